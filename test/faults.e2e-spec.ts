import { parsePostgresUrl } from '@app/catalog';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TestApp } from './support/test-app';
import { freePort, sleep, until } from './support/wait';

interface PgProcess {
  url: string;
  stop(): Promise<void>;
}

/** Cluster folders the helpers ran (as root they live outside the data dir, in /var/tmp). */
const clusters = new Set<string>();

/** An embedded PostgreSQL in a child process that can be stopped and started again on the same data. */
function startPg(dataDir: string, port: number): Promise<PgProcess> {
  const child = spawn(process.execPath, [resolve(__dirname, 'support/pg-server.mjs'), dataDir, String(port)], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolveStart, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const [, url, cluster] = /READY (\S+) (\S+)\n/.exec(out) ?? [];
      if (url) {
        clusters.add(cluster);
        resolveStart({
          url,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`the PostgreSQL helper exited with ${code}`)));
  });
}

describe('faults stay contained', () => {
  const dirs: string[] = [];
  afterAll(() =>
    [...dirs, ...[...clusters].flatMap((c) => [c, `${c}.password`])].forEach((d) =>
      rmSync(d, { recursive: true, force: true }),
    ),
  );
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-faults-'));
    dirs.push(dir);
    return dir;
  };

  it("a tenant's database server stops: that tenant gets 503 within 2 s, the others keep 100%, it recovers without a restart", async () => {
    const dir = tempDir();
    const port = await freePort();
    let volatile = await startPg(dir, port);
    const target = parsePostgresUrl(volatile.url);
    const config = join(dir, 'tenants.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        servers: [
          { name: 'main', useCatalogServer: true, capacity: 100, tags: ['general'] },
          {
            name: 'volatile',
            host: '127.0.0.1',
            port,
            adminUserEnv: 'VOLATILE_USER',
            adminPasswordEnv: 'VOLATILE_PASSWORD',
            capacity: 10,
            tags: ['dedicated'],
          },
        ],
      }),
    );
    const t = await TestApp.start({
      TENANTS_CONFIG: config,
      VOLATILE_USER: target.user,
      VOLATILE_PASSWORD: target.password ?? '',
    });
    try {
      const pt = await t.platformToken();
      const steady = await t.createTenant('steady', pt);
      const slug = `fragile-${t.id}`;
      await t
        .http()
        .post('/api/v1/platform/tenants')
        .set('authorization', `Bearer ${pt}`)
        .send({
          slug,
          name: 'Fragile',
          adminEmail: 'a@fragile.test',
          adminName: 'A',
          adminPassword: 'fragile-passphrase',
          dbServer: 'volatile',
        })
        .expect(202);
      await t.waitForStatus(slug, 'active', pt);
      const login = await t
        .http()
        .post('/api/v1/auth/login')
        .set('x-tenant-id', slug)
        .send({ email: 'a@fragile.test', password: 'fragile-passphrase' })
        .expect(200);
      const fragile = (path = '/api/v1/leads') =>
        t.http().get(path).set('authorization', `Bearer ${login.body.accessToken}`);
      await fragile().expect(200);

      await volatile.stop();
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const res = await fragile();
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBeDefined();
        expect(Date.now() - started).toBeLessThan(2000);
      }
      const others = await Promise.all(
        Array.from({ length: 30 }, () => t.http().get('/api/v1/leads').set('authorization', `Bearer ${steady.token}`)),
      );
      expect(others.map((r) => r.status)).toEqual(others.map(() => 200));

      volatile = await startPg(dir, port);
      await until('the fragile tenant to be served again', async () => (await fragile()).status === 200);
    } finally {
      await t.stop();
      await volatile.stop().catch(() => undefined);
    }
  });

  it('Redis stops: the API keeps serving from memory, readiness says so, and queued work resumes when it returns', async () => {
    const port = await freePort();
    const startRedis = (): ChildProcess =>
      spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
    let redis = startRedis();
    const url = `redis://127.0.0.1:${port}`;
    await until(
      'redis',
      async () =>
        new Promise<boolean>((resolve) => {
          const s = net.connect(port, '127.0.0.1', () => {
            s.destroy();
            resolve(true);
          });
          s.on('error', () => resolve(false));
        }),
    );
    const t = await TestApp.start({ REDIS_URL: url });
    try {
      const pt = await t.platformToken();
      const tenant = await t.createTenant('calm', pt);
      await t.http().get('/health/ready').expect(200);

      redis.kill('SIGKILL');
      await sleep(300);
      for (let i = 0; i < 10; i++)
        await t.http().get('/api/v1/leads').set('authorization', `Bearer ${tenant.token}`).expect(200);
      await t
        .http()
        .post('/api/v1/leads')
        .set('authorization', `Bearer ${tenant.token}`)
        .send({ name: 'written while Redis was down' })
        .expect(201);
      const ready = await t.http().get('/health/ready').expect(503);
      expect(ready.body.detail).toMatch(/redis/);

      const slug = `during-${t.id}`;
      const onboarding = t
        .http()
        .post('/api/v1/platform/tenants')
        .set('authorization', `Bearer ${pt}`)
        .send({ slug, name: 'During', adminEmail: 'a@during.test', adminName: 'A', adminPassword: 'during-passphrase' })
        .then((r) => r);
      await sleep(1500);
      redis = startRedis();
      const answer = await onboarding;
      expect(answer.status).toBe(202);
      await t.waitForStatus(slug, 'active', pt, 30_000);
      await until('readiness', async () => (await t.http().get('/health/ready')).status === 200);
    } finally {
      await t.stop();
      redis.kill('SIGTERM');
    }
  });

  it('the catalog stops: resolved tenants keep serving from cache, readiness turns false, unknown tenants get 503', async () => {
    const dir = tempDir();
    const port = await freePort();
    let catalog = await startPg(dir, port);
    const tenantsServer = parsePostgresUrl(process.env.TESSERA_TEST_PG!);
    const config = join(dir, 'tenants.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        servers: [
          {
            name: 'tenants',
            host: tenantsServer.host,
            port: tenantsServer.port,
            adminUserEnv: 'TS_USER',
            adminPasswordEnv: 'TS_PASSWORD',
            capacity: 100,
            tags: ['general'],
          },
        ],
      }),
    );
    const catalogUrl = catalog.url.replace(/\/postgres$/, '/tessera_catalog');
    const t = await TestApp.start({
      TENANTS_CONFIG: config,
      DATABASE_URL: catalogUrl,
      TS_USER: tenantsServer.user,
      TS_PASSWORD: tenantsServer.password ?? '',
    });
    try {
      const pt = await t.platformToken();
      const tenant = await t.createTenant('cached', pt);
      await t.http().get('/api/v1/leads').set('authorization', `Bearer ${tenant.token}`).expect(200);

      await catalog.stop();
      for (let i = 0; i < 5; i++)
        await t.http().get('/api/v1/leads').set('authorization', `Bearer ${tenant.token}`).expect(200);
      const ready = await t.http().get('/health/ready').expect(503);
      expect(ready.body.detail).toMatch(/catalog/);
      const unknown = await t
        .http()
        .post('/api/v1/auth/login')
        .set('x-tenant-id', `unseen-${t.id}`)
        .send({ email: 'a@b.test', password: 'whatever-pass' });
      expect(unknown.status).toBe(503);

      catalog = await startPg(dir, port);
      await until(
        'readiness after the catalog returns',
        async () => (await t.http().get('/health/ready')).status === 200,
      );
      await t.http().get(`/api/v1/platform/tenants/${tenant.slug}`).set('authorization', `Bearer ${pt}`).expect(200);
    } finally {
      await t.stop();
      await catalog.stop().catch(() => undefined);
    }
  });
});
