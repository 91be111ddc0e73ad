import { JobQueue } from '@app/jobs';
import { TenantFleet, TenantLifecycle } from '@app/fleet';
import { TenantCache } from '@app/tenancy';
import { spawn, ChildProcess, execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { parsePostgresUrl } from '@app/catalog';
import { TestApp, TestTenant } from './support/test-app';
import { until } from './support/wait';

const ROOT = resolve(__dirname, '..');
const execFileAsync = promisify(execFile);
const REDIS = () => process.env.TESSERA_TEST_REDIS!;

describe('onboarding on Bull (real Redis), lifecycle and fleet migrations', () => {
  let t: TestApp;
  let pt: string;
  const catalogDb = () => `tessera_test_${t.id}`;
  const post = (body: object) =>
    t.http().post('/api/v1/platform/tenants').set('authorization', `Bearer ${pt}`).send(body);
  const tenantBody = (name: string) => ({
    slug: `${name}-${t.id}`,
    name,
    adminEmail: `admin@${name}.test`,
    adminName: 'Admin',
    adminPassword: `admin-${name}-passphrase`,
  });

  beforeAll(async () => {
    t = await TestApp.start({
      REDIS_URL: REDIS(),
      PROVISION_ATTEMPTS: '3',
      PROVISION_BACKOFF_MS: '200',
      JOBS_LOCK_MS: '2000',
    });
    pt = await t.platformToken();
  });
  afterAll(() => t?.stop());

  it('runs on Bull when REDIS_URL is set', () => {
    expect(t.app.get(JobQueue).driver).toBe('bull');
  });

  it('fails a job closed when its tenant is unknown or does not match the catalog', async () => {
    const jobs = t.app.get(JobQueue);
    const tenant = await t.createTenant('target', pt);
    const [{ id }] = await t.sql<{ id: string }>('select id from tenants where slug = $1', [tenant.slug], catalogDb());
    const forged = await jobs.enqueue(
      'offboarding',
      { tenant: tenant.slug, tenantId: '00000000-0000-4000-8000-000000000000', correlationId: 'forged', data: {} },
      { attempts: 3 },
    );
    await expect(jobs.wait('offboarding', forged)).rejects.toThrow(/unknown or mismatched tenant/);
    const unknown = await jobs.enqueue('migrations', {
      tenant: `ghost-${t.id}`,
      tenantId: id,
      correlationId: 'ghost',
      data: { perServer: 1 },
    });
    await expect(jobs.wait('migrations', unknown)).rejects.toThrow(/unknown or mismatched tenant/);
    // The real tenant was never touched.
    await t.http().get('/api/v1/leads').set('authorization', `Bearer ${tenant.token}`).expect(200);
  });

  describe('Bull Board at /platform/queues: super admins only', () => {
    let tenantToken: string;
    beforeAll(async () => {
      tenantToken = (await t.createTenant('board', pt)).token;
    });

    it('asks for credentials (401 with WWW-Authenticate), also for a forged token', async () => {
      await t.http().get('/platform/queues').expect(401).expect('www-authenticate', 'Bearer');
      await t
        .http()
        .get('/platform/queues')
        .set('authorization', 'Bearer forged.token.here')
        .expect(401)
        .expect('www-authenticate', 'Bearer');
    });

    it("refuses a tenant's token (403)", async () => {
      await t.http().get('/platform/queues').set('authorization', `Bearer ${tenantToken}`).expect(403);
    });

    it('serves the board to a super admin', async () => {
      const page = await t.http().get('/platform/queues').set('authorization', `Bearer ${pt}`).expect(200);
      expect(page.text).toMatch(/<html/i);
    });

    it('lists every queue', async () => {
      const api = await t.http().get('/platform/queues/api/queues').set('authorization', `Bearer ${pt}`).expect(200);
      expect(api.body.queues.map((q: { name: string }) => q.name).sort()).toEqual([
        'analytics',
        'custom-fields',
        'events',
        'exports',
        'migrations',
        'offboarding',
        'privacy',
        'provisioning',
        'relocations',
        'spares',
        'webhooks',
      ]);
    });

    it('moves a ?token into an HttpOnly, SameSite=Strict cookie (303), which then opens the board', async () => {
      const handoff = await t.http().get(`/platform/queues?token=${pt}`).expect(303);
      expect(handoff.headers.location).toBe('/platform/queues');
      const cookie = String(handoff.headers['set-cookie']).split(';')[0];
      expect(String(handoff.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
      await t.http().get('/platform/queues').set('cookie', cookie).expect(200);
    });
  });

  it('onboards ten tenants at once, each into its own database, with every saga step recorded', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `bulk${i}`);
    const started = Date.now();
    const answers = await Promise.all(names.map((n) => post(tenantBody(n))));
    expect(answers.map((a) => a.status)).toEqual(names.map(() => 202));
    const dupes = await Promise.all([post(tenantBody('bulk0')), post(tenantBody('bulk1'))]);
    expect(dupes.map((d) => d.status)).toEqual([409, 409]);
    const tenants = await Promise.all(names.map((n) => t.waitForStatus(`${n}-${t.id}`, 'active', pt, 60_000)));
    const elapsed = Date.now() - started;
    for (const tenant of tenants) {
      expect((tenant.steps as { step: string }[]).map((s) => s.step)).toEqual([
        'role',
        'database',
        'migrations',
        'grants',
        'company-admin',
        'active',
      ]);
      expect(tenant.schemaVersion).toMatch(/^Migration\d+$/);
    }
    const dbs = await t.sql<{ n: string }>(
      "select count(*) as n from pg_database where starts_with(datname, $1) and datname like '%bulk%'",
      [t.prefix],
    );
    expect(Number(dbs[0].n)).toBe(10);
    expect(elapsed).toBeLessThan(60_000);
    const counts = await t.app.get(JobQueue).counts();
    expect(counts.provisioning).toMatchObject({ waiting: 0, active: 0, delayed: 0 });
  });

  it('retries a failing step with backoff, then marks the tenant failed; POST /retry finishes it', async () => {
    // A session on the template makes CREATE DATABASE … TEMPLATE fail ("being accessed by other users").
    const blocker = new Client({ ...parsePostgresUrl(t.adminUrl), database: `${t.prefix}_template` });
    await blocker.connect();
    const body = tenantBody('flaky');
    await post(body).expect(202);
    const failed = await t.waitForStatus(body.slug, 'failed', pt, 60_000);
    expect(failed.error).toMatch(/accessed by other users/);
    expect((failed.steps as { step: string }[]).map((s) => s.step)).toEqual(['role']);
    const [row] = await t.sql<{ attempts: number }>(
      'select attempts from tenants where slug = $1',
      [body.slug],
      catalogDb(),
    );
    expect(row.attempts).toBe(3);
    await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', body.slug)
      .send({ email: body.adminEmail, password: body.adminPassword })
      .expect(409);
    await blocker.end();
    await t.http().post(`/api/v1/platform/tenants/${body.slug}/retry`).set('authorization', `Bearer ${pt}`).expect(202);
    await t.waitForStatus(body.slug, 'active', pt);
    await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', body.slug)
      .send({ email: body.adminEmail, password: body.adminPassword })
      .expect(200);
    await t.http().post(`/api/v1/platform/tenants/${body.slug}/retry`).set('authorization', `Bearer ${pt}`).expect(409);
  });

  it('a worker killed mid-way leaves the job to the next worker: one database, one role, active', async () => {
    expect(existsSync(resolve(ROOT, 'dist/apps/worker/src/main.js'))).toBe(true);
    const api = await TestApp.start({ ...t.env, API_WORKERS: 'false' }, t);
    const workerEnv = { ...process.env, ...t.env, LOG_LEVEL: 'error' };
    const startWorker = (): ChildProcess =>
      spawn(process.execPath, ['dist/apps/worker/src/main.js'], { cwd: ROOT, env: workerEnv, stdio: 'ignore' });
    try {
      const blocker = new Client({ ...parsePostgresUrl(t.adminUrl), database: `${t.prefix}_template` });
      await blocker.connect();
      const body = tenantBody('phoenix');
      await api.http().post('/api/v1/platform/tenants').set('authorization', `Bearer ${pt}`).send(body).expect(202);
      const first = startWorker();
      // The first worker has done the role step and waits on the blocked template: kill it there.
      await until('the first worker to start the saga', async () => {
        const [row] = await t.sql<{ steps: { step: string }[] }>(
          'select steps from tenants where slug = $1',
          [body.slug],
          catalogDb(),
        );
        return row?.steps.some((s) => s.step === 'role');
      });
      first.kill('SIGKILL');
      await blocker.end();
      const second = startWorker();
      try {
        await t.waitForStatus(body.slug, 'active', pt, 60_000);
      } finally {
        second.kill('SIGTERM');
      }
      const dbName = `${t.prefix}phoenix_${t.id}`;
      expect(await t.sql('select 1 from pg_database where datname = $1', [dbName])).toHaveLength(1);
      expect(await t.sql('select 1 from pg_roles where rolname = $1', [dbName])).toHaveLength(1);
      await t
        .http()
        .post('/api/v1/auth/login')
        .set('x-tenant-id', body.slug)
        .send({ email: body.adminEmail, password: body.adminPassword })
        .expect(200);
    } finally {
      await api.stop();
    }
  });

  it('suspension and resumption are seen at once by a second API instance (Redis pub/sub)', async () => {
    const tenant = await t.createTenant('switch', pt);
    const other = await TestApp.start(t.env, t);
    try {
      const read = (app: TestApp) => app.http().get('/api/v1/leads').set('authorization', `Bearer ${tenant.token}`);
      await read(other).expect(200); // the second instance has the tenant cached as active now
      await t
        .http()
        .post(`/api/v1/platform/tenants/${tenant.slug}/suspend`)
        .set('authorization', `Bearer ${pt}`)
        .expect(200);
      const refused = await until(
        'the second instance to refuse',
        async () => {
          const res = await read(other);
          return res.status === 403 ? res : undefined;
        },
        3_000,
      );
      expect(refused.body.type).toMatch(/\/tenant-suspended$/);
      await t
        .http()
        .post(`/api/v1/platform/tenants/${tenant.slug}/resume`)
        .set('authorization', `Bearer ${pt}`)
        .expect(200);
      await until('the second instance to serve again', async () => (await read(other)).status === 200, 3_000);
    } finally {
      await other.stop();
    }
  });

  describe('revocations reach a second API instance at once', () => {
    let tenant: TestTenant;
    let other: TestApp;
    const me = (app: TestApp, token: string) =>
      app.http().get('/api/v1/auth/me').set('authorization', `Bearer ${token}`);
    beforeAll(async () => {
      tenant = await t.createTenant('revoke', pt);
      other = await TestApp.start(t.env, t);
    });
    afterAll(() => other?.stop());

    it("a user's deactivation", async () => {
      const user = { email: 'leaver@revoke.test', password: 'leaver-passphrase-1', name: 'Leaver', role: 'staff' };
      const created = await t
        .http()
        .post('/api/v1/users')
        .set('authorization', `Bearer ${tenant.token}`)
        .send(user)
        .expect(201);
      const login = await t
        .http()
        .post('/api/v1/auth/login')
        .set('x-tenant-id', tenant.slug)
        .send({ email: user.email, password: user.password })
        .expect(200);
      await me(other, login.body.accessToken).expect(200); // cached as active on the second instance
      await t
        .http()
        .delete(`/api/v1/users/${created.body.id}`)
        .set('authorization', `Bearer ${tenant.token}`)
        .expect(204);
      await until(
        'the second instance to refuse the deactivated user',
        async () => (await me(other, login.body.accessToken)).status === 401,
        3_000,
      );
    });

    it('a sign-out', async () => {
      const second = await t
        .http()
        .post('/api/v1/auth/login')
        .set('x-tenant-id', tenant.slug)
        .send({ email: tenant.admin.email, password: tenant.admin.password })
        .expect(200);
      await me(other, second.body.accessToken).expect(200);
      await t.http().post('/api/v1/auth/logout').set('authorization', `Bearer ${second.body.accessToken}`).expect(204);
      await until(
        'the second instance to refuse the signed-out token',
        async () => (await me(other, second.body.accessToken)).status === 401,
        3_000,
      );
    });

    it("an API key's revocation", async () => {
      const key = await t
        .http()
        .post('/api/v1/api-keys')
        .set('authorization', `Bearer ${tenant.token}`)
        .send({ name: 'k', scopes: ['leads:read'] })
        .expect(201);
      await other.http().get('/api/v1/leads').set('x-api-key', key.body.key).expect(200);
      await t
        .http()
        .delete(`/api/v1/api-keys/${key.body.id}`)
        .set('authorization', `Bearer ${tenant.token}`)
        .expect(204);
      await until(
        'the second instance to refuse the revoked key',
        async () => (await other.http().get('/api/v1/leads').set('x-api-key', key.body.key)).status === 401,
        3_000,
      );
    });
  });

  it('refuses a tenant whose schema is behind (503 tenant-migrating) until its migration ran', async () => {
    const tenant = await t.createTenant('behind', pt);
    await t.sql(
      "update tenants set schema_version = 'Migration20261126000100' where slug = $1",
      [tenant.slug],
      catalogDb(),
    );
    await t.app
      .get(TenantFleet)
      .migrateOne(tenant.slug)
      .catch(() => undefined);
    await t.sql(
      "update tenants set schema_version = 'Migration20261126000100' where slug = $1",
      [tenant.slug],
      catalogDb(),
    );
    await t.setTenantStatus(tenant.slug, 'active');
    const res = await t.http().get('/api/v1/leads').set('authorization', `Bearer ${tenant.token}`).expect(503);
    expect(res.body.type).toMatch(/\/tenant-migrating$/);
    expect(res.headers['retry-after']).toBeDefined();
    const result = await t.app.get(TenantFleet).migrateOne(tenant.slug);
    expect(result).toMatchObject({ ok: true, from: 'Migration20261126000100' });
    await until(
      'the tenant to be served',
      async () => (await t.http().get('/api/v1/leads').set('authorization', `Bearer ${tenant.token}`)).status === 200,
      3_000,
    );
  });

  it('migrates the whole fleet past a broken tenant, one result per tenant, and a rerun resumes', async () => {
    const broken = await t.createTenant('broken', pt);
    // Losing its migration history makes its migrations run again, and fail on existing tables.
    await t.sql('drop table mikro_orm_migrations', [], broken.dbName);
    await t.sql('update tenants set schema_version = null where slug = $1', [broken.slug], catalogDb());
    const lines: string[] = [];
    const results = await t.app.get(TenantFleet).migrateAll(2, (r) => lines.push(`${r.slug} ${r.ok}`));
    const active = await t.sql<{ n: string }>(
      "select count(*) as n from tenants where status in ('active', 'suspended')",
      [],
      catalogDb(),
    );
    expect(results).toHaveLength(Number(active[0].n));
    expect(lines).toHaveLength(results.length);
    const failed = results.filter((r) => !r.ok);
    expect(failed.map((r) => r.slug)).toEqual([broken.slug]);
    expect(failed[0].error).toMatch(/already exists/);
    const rerun = await t.app.get(TenantFleet).migrateAll(4, () => undefined);
    expect(rerun.filter((r) => r.ok && r.applied.length === 0)).toHaveLength(results.length - 1);
    // The CLI says the same, with a non-zero exit. (Run asynchronously: this process is a worker
    // too, and a blocked event loop would let its job locks lapse.)
    const cli = await execFileAsync(
      process.execPath,
      ['dist/apps/cli/src/main.js', 'migrate', '--all', '--concurrency', '3'],
      { cwd: ROOT, env: { ...process.env, ...t.env }, encoding: 'utf8' },
    ).then(
      ({ stdout }) => ({ code: 0, out: stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, out: error.stdout }),
    );
    expect(cli.code).toBe(1);
    expect(cli.out).toMatch(new RegExp(`${broken.slug}\\t.*failed`));
    expect(cli.out).toMatch(/tenant\(s\), 1 failed/);
  });

  describe('offboarding: verified backup, then no database, role, cached key or job left; tokens dead', () => {
    let tenant: TestTenant;
    let id: string;
    const leads = () => t.http().get('/api/v1/leads').set('authorization', `Bearer ${tenant.token}`);
    beforeAll(async () => {
      tenant = await t.createTenant('leaving', pt);
      await t
        .http()
        .post('/api/v1/leads')
        .set('authorization', `Bearer ${tenant.token}`)
        .send({ name: 'last lead' })
        .expect(201);
      [{ id }] = await t.sql<{ id: string }>('select id from tenants where slug = $1', [tenant.slug], catalogDb());
    });

    it('starts from a tenant with cached keys', () => {
      expect(t.app.get(TenantCache).tenants()).toContain(id);
    });

    describe('once DELETE /platform/tenants/:slug answered 202', () => {
      beforeAll(async () => {
        await t
          .http()
          .delete(`/api/v1/platform/tenants/${tenant.slug}`)
          .set('authorization', `Bearer ${pt}`)
          .expect(202);
      });

      it("refuses the tenant's traffic at once (403)", async () => {
        await leads().expect(403);
      });

      describe('once the offboarding job ran', () => {
        beforeAll(() => t.app.get(TenantLifecycle).waitForOffboarding(id));

        it('shows the tenant offboarded', async () => {
          const shown = await t
            .http()
            .get(`/api/v1/platform/tenants/${tenant.slug}`)
            .set('authorization', `Bearer ${pt}`)
            .expect(200);
          expect(shown.body.status).toBe('offboarded');
        });

        it('leaves neither its database nor its role', async () => {
          expect(await t.sql('select 1 from pg_database where datname = $1', [tenant.dbName])).toEqual([]);
          expect(await t.sql('select 1 from pg_roles where rolname = $1', [tenant.dbName])).toEqual([]);
        });

        it('leaves a backup that pg_restore reads, with its data', async () => {
          const [{ backup_path }] = await t.sql<{ backup_path: string }>(
            'select backup_path from tenants where slug = $1',
            [tenant.slug],
            catalogDb(),
          );
          const listing = execFileSync('pg_restore', ['--list', backup_path], { encoding: 'utf8' });
          expect(listing).toMatch(/TABLE DATA public leads/);
        });

        it('leaves no cached key of the tenant', () => {
          expect(t.app.get(TenantCache).tenants()).not.toContain(id);
        });

        it('leaves no offboarding job behind', async () => {
          const counts = await t.app.get(JobQueue).counts();
          expect(counts.offboarding).toMatchObject({ waiting: 0, active: 0, delayed: 0 });
        });

        it('answers its tokens with 404', async () => {
          await leads().expect(404);
        });

        it('answers a sign-in with 404', async () => {
          await t
            .http()
            .post('/api/v1/auth/login')
            .set('x-tenant-id', tenant.slug)
            .send({ email: tenant.admin.email, password: tenant.admin.password })
            .expect(404);
        });

        it('cannot be resumed (404)', async () => {
          await t
            .http()
            .post(`/api/v1/platform/tenants/${tenant.slug}/resume`)
            .set('authorization', `Bearer ${pt}`)
            .expect(404);
        });
      });
    });
  });
});
