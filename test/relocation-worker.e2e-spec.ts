import { parsePostgresUrl } from '@app/catalog';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { dropFromSecondServer, secondServer, sqlOn, twoServerEnv } from './support/second-server';
import { TestApp } from './support/test-app';
import { until } from './support/wait';

const ROOT = resolve(__dirname, '..');

/** apps/worker as it ships, on the suite's deployment; its output kept for a failure message. */
function startWorker(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
} {
  const child = spawn(process.execPath, ['dist/apps/worker/src/main.js'], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout!, child.stderr!])
    stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.on('close', () => done()));
  return { child, output: () => output, exited };
}

/**
 * A worker killed mid-relocation: the next worker resumes the relocation in the phase it was in
 * (here the copy, under the write freeze) and finishes it; nothing is lost, the freeze ends.
 */
describe('a relocation whose worker is killed (Bull on Redis, apps/worker)', () => {
  let t: TestApp;
  let pt: string;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-relocation-worker-'));
  const second = secondServer();
  const workers: ReturnType<typeof startWorker>[] = [];
  let workerEnv: Record<string, string>;
  const on = sqlOn;

  beforeAll(async () => {
    const env = {
      ...twoServerEnv(dir),
      REDIS_URL: process.env.TESSERA_TEST_REDIS!,
      API_WORKERS: 'false',
      JOBS_LOCK_MS: '1000',
      RELOCATION_FREEZE_DRAIN_MS: '500',
    };
    t = await TestApp.start(env);
    workerEnv = { ...t.env };
    pt = (
      await t
        .http()
        .post('/api/v1/platform/auth/login')
        .send({ email: t.env.PLATFORM_ADMIN_EMAIL, password: t.env.PLATFORM_ADMIN_PASSWORD })
        .expect(200)
    ).body.accessToken;
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await w.exited;
    }
    await t?.stop();
    await dropFromSecondServer(t.prefix);
    const redis = new Redis(process.env.TESSERA_TEST_REDIS!, { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`tessera:${t.prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes the copy in the next worker and finishes: every row on the new server, writes open again', async () => {
    const first = startWorker(workerEnv);
    workers.push(first);
    await until(
      'the first worker to run',
      () => Promise.resolve(first.output().includes('Tessera worker running')),
      60_000,
    );
    const slug = `vast-${t.id}`;
    const admin = { email: 'admin@vast.test', password: 'admin-vast-passphrase' };
    await t
      .http()
      .post('/api/v1/platform/tenants')
      .set('authorization', `Bearer ${pt}`)
      .send({ slug, name: 'Vast', adminEmail: admin.email, adminName: 'Vast admin', adminPassword: admin.password })
      .expect(202);
    await t.waitForStatus(slug, 'active', pt, 60_000);
    const token = (await t.http().post('/api/v1/auth/login').set('x-tenant-id', slug).send(admin).expect(200)).body
      .accessToken as string;
    const acknowledged = await t
      .as(token, slug)
      .post('/leads', { name: 'Before', email: 'before@vast.test' })
      .expect(201);
    const dbName = `${t.prefix}${slug.replace(/-/g, '_')}`;
    const main = parsePostgresUrl(t.adminUrl);
    // Enough rows that the copy takes a while on any machine.
    await on(
      main,
      `insert into leads (id, name, email, status, source, owner_id, created_at, updated_at)
       select gen_random_uuid(), 'Seeded ' || g, 'seeded' || g || '@example.test', 'new', 'import',
              (select id from users order by created_at limit 1), now(), now()
         from generate_series(1, 150000) g`,
      [],
      dbName,
    );
    const started = await t
      .http()
      .post(`/api/v1/platform/tenants/${slug}/relocations`)
      .set('authorization', `Bearer ${pt}`)
      .send({ targetServer: 'dedicated-1' })
      .expect(202);
    const id = started.body.id as string;
    const catalogDb = parsePostgresUrl(t.catalogUrl).database;
    const phases = async () =>
      (
        await t.sql<{ phases: { phase: string }[] }>('select phases from relocations where id = $1', [id], catalogDb)
      )[0].phases.map((p) => p.phase);
    await until('the copy to begin under the freeze', async () => (await phases()).includes('freeze'), 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    // Meanwhile writes are refused, reads served.
    const refused = await t.as(token, slug).post('/leads', { name: 'During', email: 'during@vast.test' });
    expect({ status: refused.status, type: refused.body.type }).toEqual({
      status: 503,
      type: expect.stringMatching(/tenant-relocating$/),
    });
    await t.as(token, slug).get('/leads?limit=1').expect(200);

    const next = startWorker(workerEnv);
    workers.push(next);
    let ended: { status: string; error?: string; phases: { phase: string }[] } = { status: '', phases: [] };
    await until(
      'the relocation to end in the next worker',
      async () => {
        ended = (
          await t.http().get(`/api/v1/platform/tenants/${slug}/relocations/${id}`).set('authorization', `Bearer ${pt}`)
        ).body;
        return ['done', 'failed', 'aborted'].includes(ended.status);
      },
      120_000,
    );
    expect({
      status: ended.status,
      error: ended.error,
      log: ended.status === 'done' ? '' : next.output().slice(-3000),
    }).toEqual({
      status: 'done',
      error: undefined,
      log: '',
    });
    const [{ n }] = await on<{ n: string }>(second, 'select count(*)::text as n from leads', [], dbName);
    expect(Number(n)).toBe(150_001);
    expect(await on(second, 'select 1 from leads where id = $1', [acknowledged.body.id], dbName)).toHaveLength(1);
    const after = await t.as(token, slug).post('/leads', { name: 'After', email: 'after@vast.test' }).expect(201);
    expect(await on(second, 'select 1 from leads where id = $1', [after.body.id], dbName)).toHaveLength(1);
  }, 300_000);

  it('every API instance routes to the new server from its next request (Redis pub/sub)', async () => {
    const other = await TestApp.start({ ...workerEnv, LOG_LEVEL: 'silent' } as Record<string, string>, t);
    try {
      const slug = `nimble-${t.id}`;
      const admin = { email: 'admin@nimble.test', password: 'admin-nimble-passphrase' };
      await t
        .http()
        .post('/api/v1/platform/tenants')
        .set('authorization', `Bearer ${pt}`)
        .send({
          slug,
          name: 'Nimble',
          adminEmail: admin.email,
          adminName: 'Nimble admin',
          adminPassword: admin.password,
        })
        .expect(202);
      await t.waitForStatus(slug, 'active', pt, 60_000);
      const token = (await t.http().post('/api/v1/auth/login').set('x-tenant-id', slug).send(admin).expect(200)).body
        .accessToken as string;
      // The second instance has the tenant cached and a pool open on the old server.
      await other.as(token, slug).post('/leads', { name: 'Before', email: 'before@nimble.test' }).expect(201);
      const started = await t
        .http()
        .post(`/api/v1/platform/tenants/${slug}/relocations`)
        .set('authorization', `Bearer ${pt}`)
        .send({ targetServer: 'dedicated-1' })
        .expect(202);
      await until(
        'the relocation to be done',
        async () =>
          (
            await t
              .http()
              .get(`/api/v1/platform/tenants/${slug}/relocations/${started.body.id}`)
              .set('authorization', `Bearer ${pt}`)
          ).body.status === 'done',
        60_000,
      );
      const after = await other
        .as(token, slug)
        .post('/leads', { name: 'After', email: 'after@nimble.test' })
        .expect(201);
      const dbName = `${t.prefix}${slug.replace(/-/g, '_')}`;
      expect(await on(second, 'select 1 from leads where id = $1', [after.body.id], dbName)).toHaveLength(1);
      const listed = await other.as(token, slug).get('/leads').expect(200);
      expect(listed.body.data.map((l: { email: string }) => l.email).sort()).toEqual([
        'after@nimble.test',
        'before@nimble.test',
      ]);
    } finally {
      await other.stop();
    }
  }, 120_000);
});
