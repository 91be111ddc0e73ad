import { TenantFleet, TenantMigrator } from '@app/fleet';
import type { ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import type { Response } from 'supertest';
import { TenantRateLimiter } from '@app/tenancy';
import { TestApp, TestTenant } from './support/test-app';
import { startRedisServer } from './support/redis-server';
import { freePort, sleep, until } from './support/wait';

/**
 * Limits that hold across replicas: two API instances of one deployment (one catalog, one
 * Redis) in this process. Sign-in throttling across two instances is in auth-races.e2e-spec.ts.
 */
const RPS = 5;
const count = (answers: Response[], status: number) => answers.filter((r) => r.status === status).length;

describe('two API instances on one Redis', () => {
  let first: TestApp;
  let second: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  const env = () => ({ REDIS_URL: process.env.TESSERA_TEST_REDIS!, TENANT_RATE_LIMIT_RPS: String(RPS) });
  const leadsIn = async (tenant: TestTenant) =>
    Number((await first.sql<{ n: string }>('select count(*) as n from leads', [], tenant.dbName))[0].n);

  beforeAll(async () => {
    first = await TestApp.start(env());
    second = await TestApp.start(env(), first);
    const pt = await first.platformToken();
    [acme, globex] = await Promise.all([first.createTenant('acme', pt), first.createTenant('globex', pt)]);
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  /** `n` creates at once for a tenant, alternating between the instances; returns the answers and the seconds taken. */
  async function burst(
    tenant: TestTenant,
    n: number,
    label: string,
  ): Promise<{ answers: Response[]; seconds: number }> {
    await sleep(1200); // the bucket is full again (a one-second burst)
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        (i % 2 ? second : first).as(tenant.token, tenant.slug).post('/leads', { name: `${label} ${i}` }),
      ),
    );
    return { answers, seconds: (Date.now() - started) / 1000 };
  }

  it(`lets one tenant's burst through once, not once per instance: 30 creates at once over both, TENANT_RATE_LIMIT_RPS=${RPS}`, async () => {
    const before = await leadsIn(acme);
    const { answers, seconds } = await burst(acme, 30, 'burst');
    const created = count(answers, 201);
    // A full bucket holds RPS; while the burst runs it refills at RPS per second (two separate buckets would give 2 × RPS).
    expect(created).toBeGreaterThanOrEqual(RPS);
    expect(created).toBeLessThanOrEqual(RPS + Math.ceil(seconds * RPS));
    expect(count(answers, 429)).toBe(30 - created);
    for (const refused of answers.filter((a) => a.status === 429)) {
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refused.headers['ratelimit-limit']).toBe(String(RPS));
      expect(refused.headers['ratelimit-remaining']).toBe('0');
      expect(Number(refused.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(1);
    }
    expect(answers.every((a) => a.headers['ratelimit-limit'] === String(RPS))).toBe(true);
    expect((await leadsIn(acme)) - before).toBe(created);
    console.log(`replica-limits: ${created} of 30 creates passed over two instances in ${seconds.toFixed(2)} s`);
  });

  it("keeps the other tenant's bucket whole while one tenant is refused on both instances", async () => {
    const beforeGlobex = await leadsIn(globex);
    await sleep(1200);
    const [noisy, quiet] = await Promise.all([
      Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? second : first).as(acme.token, acme.slug).get('/leads')),
      ),
      Promise.all(
        Array.from({ length: RPS }, (_, i) =>
          (i % 2 ? second : first).as(globex.token, globex.slug).post('/leads', { name: `quiet ${i}` }),
        ),
      ),
    ]);
    expect(count(noisy, 429)).toBeGreaterThan(0);
    expect(quiet.map((r) => r.status)).toEqual(Array(RPS).fill(201));
    expect((await leadsIn(globex)) - beforeGlobex).toBe(RPS);
  });

  it('runs a fleet migration at per-server concurrency 1 on both instances with never two tenants of a server at once', async () => {
    const pt = await first.platformToken();
    const more = await Promise.all([first.createTenant('initech', pt), first.createTenant('umbrella', pt)]);
    const tenants = [acme, globex, ...more];
    let running = 0;
    let most = 0;
    const ranOn = new Map<string, number>();
    for (const [name, app] of [
      ['first', first],
      ['second', second],
    ] as const) {
      const migrator = app.app.get(TenantMigrator, { strict: false });
      const migrate = migrator.migrate.bind(migrator);
      jest.spyOn(migrator, 'migrate').mockImplementation(async (server, database) => {
        most = Math.max(most, ++running);
        ranOn.set(name, (ranOn.get(name) ?? 0) + 1);
        try {
          await sleep(300); // widen the window in which an overlap would show
          return await migrate(server, database);
        } finally {
          running--;
        }
      });
    }
    const results = await first.app.get(TenantFleet).migrateAll(1, () => undefined);
    expect(results.map((r) => r.ok)).toEqual(tenants.map(() => true));
    expect(most).toBe(1);
    expect([...ranOn.values()].reduce((a, b) => a + b, 0)).toBe(tenants.length);
    expect(ranOn.size).toBe(2); // both instances ran jobs: the one limit held across them
    const catalog = first.catalogUrl.split('/').pop()!;
    const versions = await first.sql<{ schema_version: string | null }>(
      `select schema_version from tenants where slug = any($1)`,
      [tenants.map((t) => t.slug)],
      catalog,
    );
    expect(new Set(versions.map((v) => v.schema_version)).size).toBe(1);
    const redis = new Redis(process.env.TESSERA_TEST_REDIS!);
    try {
      expect(await redis.keys(`tessera:${first.prefix}:migration-slots:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});

describe('the limits while Redis is down', () => {
  let redis: ChildProcess;
  let port: number;
  let t: TestApp;
  let acme: TestTenant;

  const startRedis = async () => {
    redis = await startRedisServer(port);
  };

  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    t = await TestApp.start({ REDIS_URL: `redis://127.0.0.1:${port}`, TENANT_RATE_LIMIT_RPS: String(RPS) });
    const pt = await t.platformToken();
    [acme] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
    redis.kill('SIGKILL');
    await sleep(300);
  });
  afterAll(async () => {
    if (redis.exitCode !== null || redis.signalCode !== null) await startRedis();
    await t?.stop();
    redis.kill('SIGTERM');
  });

  it('serves tenant requests from the in-process bucket: 20 at once are 200 or 429, never a 5xx', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.as(acme.token, acme.slug).get('/leads')));
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
    expect(count(answers, 200)).toBeGreaterThanOrEqual(RPS);
    expect(answers.every((a) => a.headers['ratelimit-limit'] === String(RPS))).toBe(true);
    expect(t.app.get(TenantRateLimiter, { strict: false }).degraded).toBe(true);
  });

  it('still signs in (the sign-in count falls back to this process)', async () => {
    await sleep(1200);
    const wrong = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', acme.slug)
      .send({ email: acme.admin.email, password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', acme.slug)
      .send({ email: acme.admin.email, password: acme.admin.password })
      .expect(200);
  });

  it('shares the buckets on Redis again once it is back, without a restart', async () => {
    await startRedis();
    const check = new Redis(`redis://127.0.0.1:${port}`);
    try {
      await until(
        'the rate limit back on Redis',
        async () => {
          const answer = await t.as(acme.token, acme.slug).get('/leads');
          expect([200, 429]).toContain(answer.status);
          return (await check.keys(`tessera:${t.prefix}:rate:tenant:*`)).length > 0;
        },
        30_000,
      );
    } finally {
      check.disconnect();
    }
    expect(t.app.get(TenantRateLimiter, { strict: false }).degraded).toBe(false);
    // The queues are back too (and the deployment shuts down cleanly): an onboarding goes through.
    await t.createTenant('after');
  });
});
