import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import type { Response } from 'supertest';
import { PLATFORM_ADMIN, TestApp, TestTenant } from './support/test-app';
import { sleep } from './support/wait';

const ROUNDS = 2;
const MAX_FAILURES = 5;
const MAX_FAILURES_PER_IP = 20;

const statuses = (answers: Response[]) => answers.map((r) => r.status);
const count = (answers: Response[], status: number) => answers.filter((r) => r.status === status).length;
const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

interface AuditRow {
  action: string;
  outcome: string;
  entity: string;
  entity_id: string | null;
  actor_id: string | null;
  changes: Record<string, unknown>;
}

/** Sign-in throttling, the same invariants with the shared (Redis) and the in-process count. */
describe.each([
  ['in this process (no REDIS_URL)', false],
  ['on Redis (REDIS_URL), shared by every API instance', true],
])('sign-in throttling counted %s', (_label, withRedis) => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let env: Record<string, string>;
  let round = 0;

  /** Every test gets client IPs of its own (X-Forwarded-For is trusted here), so per-IP counts never mix. */
  const nextIp = () => `10.${withRedis ? 1 : 0}.${++round}.7`;
  const login = (app: TestApp, tenant: TestTenant, email: string, password: string, ip: string) =>
    app
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', tenant.slug)
      .set('x-forwarded-for', ip)
      .send({ email, password });
  const addUser = async (tenant: TestTenant, email: string, password: string): Promise<string> =>
    (
      await t
        .as(tenant.token, tenant.slug)
        .post('/users', { email, name: email.split('@')[0], password, role: 'staff' })
        .expect(201)
    ).body.id;
  const deniedEntries = (tenant: TestTenant, userId: string) =>
    t.sql<AuditRow>(
      `select * from audit_logs where action = 'auth.login' and outcome = 'denied' and entity_id = $1`,
      [userId],
      tenant.dbName,
    );

  beforeAll(async () => {
    env = {
      LOGIN_MAX_FAILURES: String(MAX_FAILURES),
      LOGIN_MAX_FAILURES_PER_IP: String(MAX_FAILURES_PER_IP),
      LOGIN_WINDOW_SECONDS: '600',
      TRUST_PROXY: 'true',
      TENANT_RATE_LIMIT_RPS: '0',
      ...(withRedis ? { REDIS_URL: process.env.TESSERA_TEST_REDIS! } : {}),
    };
    t = await TestApp.start(env);
    const pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
  });
  afterAll(() => t?.stop());

  it(`checks at most LOGIN_MAX_FAILURES of 25 concurrent wrong passwords for one account; the rest are 429 (${ROUNDS} rounds)`, async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const email = `burst-${r}@acme.test`;
      const password = `burst-${r}-passphrase`;
      const userId = await addUser(acme, email, password);
      const answers = await Promise.all(
        Array.from({ length: 25 }, (_, i) => login(t, acme, email, `wrong-password-${i}`, nextIp())),
      );
      expect(statuses(answers).every((s) => s === 401 || s === 429)).toBe(true);
      expect(count(answers, 401)).toBe(MAX_FAILURES);
      expect(count(answers, 429)).toBe(25 - MAX_FAILURES);
      for (const blocked of answers.filter((a) => a.status === 429))
        expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      // The account is locked even for the right password, and only the checked attempts were audited.
      await login(t, acme, email, password, nextIp()).expect(429);
      expect(await deniedEntries(acme, userId)).toHaveLength(MAX_FAILURES);
      // The same address in the other tenant is another account.
      await login(t, globex, globex.admin.email, globex.admin.password, nextIp()).expect(200);
    }
  });

  it(`checks at most LOGIN_MAX_FAILURES_PER_IP of 60 concurrent unknown e-mails from one IP (${ROUNDS} rounds)`, async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const ip = nextIp();
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          login(t, i % 2 ? acme : globex, `nobody-${r}-${i}@nowhere.test`, 'wrong-password-x', ip),
        ),
      );
      expect(statuses(answers).every((s) => s === 401 || s === 429)).toBe(true);
      expect(count(answers, 401)).toBe(MAX_FAILURES_PER_IP);
      // The IP stays blocked, for the platform sign-in too; another IP goes on.
      await login(t, acme, acme.admin.email, acme.admin.password, ip).expect(429);
      await t.http().post('/api/v1/platform/auth/login').set('x-forwarded-for', ip).send(PLATFORM_ADMIN).expect(429);
      await login(t, acme, acme.admin.email, acme.admin.password, nextIp()).expect(200);
    }
    const unknown = await t.sql<AuditRow>(
      `select * from audit_logs where action = 'auth.login' and outcome = 'denied' and changes->>'email' like 'nobody-%'`,
      [],
      acme.dbName,
    );
    expect(unknown.every((e) => e.entity === 'user' && e.entity_id === null && e.actor_id === null)).toBe(true);
    expect(unknown.length).toBeLessThanOrEqual(ROUNDS * MAX_FAILURES_PER_IP);
  });

  it('lets a success clear the account and give its IP slot back', async () => {
    const ip = nextIp();
    const email = 'comeback@acme.test';
    const password = 'comeback-passphrase';
    await addUser(acme, email, password);
    for (let i = 0; i < MAX_FAILURES - 1; i++) await login(t, acme, email, `wrong-${i}`, ip).expect(401);
    await login(t, acme, email, password, ip).expect(200);
    for (let i = 0; i < MAX_FAILURES - 1; i++) await login(t, acme, email, `wrong-again-${i}`, ip).expect(401);
    await login(t, acme, email, password, ip).expect(200);
    // Successes never count against the IP (8 of its 20 are used): many sign-ins from one office stay possible.
    for (let i = 0; i < MAX_FAILURES_PER_IP; i++) await login(t, acme, email, password, ip).expect(200);
  });

  if (withRedis) {
    it(`shares the count between two API instances on one Redis (${ROUNDS} rounds of 24 attempts, half on each)`, async () => {
      const second = await TestApp.start(env, t);
      try {
        for (let r = 0; r < ROUNDS; r++) {
          const email = `replicas-${r}@acme.test`;
          const userId = await addUser(acme, email, `replicas-${r}-passphrase`);
          const answers = await Promise.all(
            Array.from({ length: 24 }, (_, i) => login(i % 2 ? second : t, acme, email, `wrong-${i}`, nextIp())),
          );
          expect(count(answers, 401)).toBe(MAX_FAILURES);
          expect(count(answers, 429)).toBe(24 - MAX_FAILURES);
          expect(await deniedEntries(acme, userId)).toHaveLength(MAX_FAILURES);
        }
      } finally {
        await second.stop();
      }
    });

    it('keeps the shared counts in Redis with an expiry (fixed window), under the deployment prefix', async () => {
      const redis = new Redis(process.env.TESSERA_TEST_REDIS!);
      try {
        const keys = await redis.keys(`tessera:${t.prefix}:login:*`);
        expect(keys.length).toBeGreaterThan(0);
        const ttls = await Promise.all(keys.map((k) => redis.pttl(k)));
        expect(ttls.every((ms) => ms > 0 && ms <= 600_000)).toBe(true);
      } finally {
        redis.disconnect();
      }
    });
  }
});

describe('refresh-token reuse under concurrency (two tenants, and the platform)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;

  const refresh = (refreshToken: string, path = '/api/v1/auth/refresh') => t.http().post(path).send({ refreshToken });
  const familyRows = (table: string, token: string, database: string) =>
    t.sql<{ family_id: string; revoked_at: Date | null }>(
      `select family_id, revoked_at from ${table} where family_id = (select family_id from ${table} where token_hash = $1)`,
      [hashOf(token)],
      database,
    );

  beforeAll(async () => {
    t = await TestApp.start({ LOGIN_MAX_FAILURES_PER_IP: '100000' });
    const pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
  });
  afterAll(() => t?.stop());

  it.each([3, 10])(
    'revokes the whole family, the winner included, when one refresh token is sent %i times at once (10 rounds)',
    async (n) => {
      for (let r = 0; r < 10; r++) {
        const tenant = r % 2 ? globex : acme;
        const pair = (
          await t
            .http()
            .post('/api/v1/auth/login')
            .set('x-tenant-id', tenant.slug)
            .send({ email: tenant.admin.email, password: tenant.admin.password })
            .expect(200)
        ).body;
        const answers = await Promise.all(Array.from({ length: n }, () => refresh(pair.refreshToken)));
        expect(statuses(answers).every((s) => s === 200 || s === 401)).toBe(true);
        expect(count(answers, 200)).toBeLessThanOrEqual(1);
        expect(count(answers, 401)).toBeGreaterThanOrEqual(n - 1);
        // Nothing the race handed out still works: no refresh token, no access token of the family.
        for (const won of answers.filter((a) => a.status === 200)) {
          await refresh(won.body.refreshToken).expect(401);
          await t.as(won.body.accessToken, tenant.slug).get('/auth/me').expect(401);
        }
        await t.as(pair.accessToken, tenant.slug).get('/auth/me').expect(401);
        const rows = await familyRows('refresh_tokens', pair.refreshToken, tenant.dbName);
        expect(rows.length).toBe(1 + count(answers, 200));
        expect(rows.every((row) => row.revoked_at !== null)).toBe(true);
      }
      // Other sign-ins go on.
      await t.as(acme.token, acme.slug).get('/auth/me').expect(200);
    },
  );

  it('leaves no live refresh token when a password change races 10 refreshes of the user (5 rounds, both tenants)', async () => {
    for (let r = 0; r < 5; r++) {
      await Promise.all(
        [acme, globex].map(async (tenant) => {
          const email = `racer-${r}@${tenant.slug}.test`;
          const id = (
            await t
              .as(tenant.token, tenant.slug)
              .post('/users', { email, name: `racer ${r}`, password: 'racer-first-passphrase', role: 'staff' })
              .expect(201)
          ).body.id;
          // Ten sign-ins (one after another: concurrent ones beyond the throttle would be 429), each refreshed while an admin changes the password.
          const pairs: { refreshToken: string }[] = [];
          for (let i = 0; i < 10; i++) {
            pairs.push(
              (
                await t
                  .http()
                  .post('/api/v1/auth/login')
                  .set('x-tenant-id', tenant.slug)
                  .send({ email, password: 'racer-first-passphrase' })
                  .expect(200)
              ).body,
            );
          }
          const [change, ...refreshes] = await Promise.all([
            t.as(tenant.token, tenant.slug).patch(`/users/${id}`, { password: 'racer-second-passphrase' }),
            ...pairs.map((p) => refresh(p.refreshToken)),
          ]);
          expect(change.status).toBe(200);
          for (const won of refreshes.filter((a) => a.status === 200)) await refresh(won.body.refreshToken).expect(401);
          const live = await t.sql(
            'select id from refresh_tokens where subject_id = $1 and revoked_at is null',
            [id],
            tenant.dbName,
          );
          expect(live).toEqual([]);
        }),
      );
    }
  });

  it("revokes the winner's new token too when the winner is slow between spending and issuing (3 at once, 3 rounds)", async () => {
    // As superuser: writing the next token stalls 700 ms, so whoever spends first is held between spending and issuing.
    const stall = (sql: string) => t.sql(sql, [], acme.dbName);
    await stall(
      `create function stall_refresh_insert() returns trigger language plpgsql as $$ begin perform pg_sleep(0.7); return new; end $$`,
    );
    await stall(
      `create trigger stall_refresh_insert before insert on refresh_tokens for each row when (new.used_at is null and pg_trigger_depth() = 0) execute function stall_refresh_insert()`,
    );
    try {
      for (let r = 0; r < ROUNDS; r++) {
        const pair = (
          await t
            .http()
            .post('/api/v1/auth/login')
            .set('x-tenant-id', acme.slug)
            .send({ email: acme.admin.email, password: acme.admin.password })
            .expect(200)
        ).body;
        const answers = await Promise.all(Array.from({ length: 3 }, () => refresh(pair.refreshToken)));
        expect(count(answers, 200)).toBe(1);
        expect(count(answers, 401)).toBe(2);
        const won = answers.find((a) => a.status === 200)!;
        await refresh(won.body.refreshToken).expect(401);
        await t.as(won.body.accessToken, acme.slug).get('/auth/me').expect(401);
        const rows = await familyRows('refresh_tokens', pair.refreshToken, acme.dbName);
        expect(rows).toHaveLength(2);
        expect(rows.every((row) => row.revoked_at !== null)).toBe(true);
      }
    } finally {
      await stall('drop trigger stall_refresh_insert on refresh_tokens');
      await stall('drop function stall_refresh_insert()');
    }
  }, 60_000);

  it('revokes the whole platform family when one platform refresh token is sent 10 times at once (5 rounds)', async () => {
    const catalog = t.catalogUrl.split('/').pop()!;
    for (let r = 0; r < 5; r++) {
      const pair = (await t.http().post('/api/v1/platform/auth/login').send(PLATFORM_ADMIN).expect(200)).body;
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => refresh(pair.refreshToken, '/api/v1/platform/auth/refresh')),
      );
      expect(count(answers, 200)).toBeLessThanOrEqual(1);
      for (const won of answers.filter((a) => a.status === 200)) {
        await refresh(won.body.refreshToken, '/api/v1/platform/auth/refresh').expect(401);
        await t
          .http()
          .get('/api/v1/platform/tenants')
          .set('authorization', `Bearer ${won.body.accessToken}`)
          .expect(401);
      }
      const rows = await familyRows('platform_refresh_tokens', pair.refreshToken, catalog);
      expect(rows.length).toBe(1 + count(answers, 200));
      expect(rows.every((row) => row.revoked_at !== null)).toBe(true);
    }
  });

  it('still rotates a refresh token used once at a time (control)', async () => {
    let pair = (
      await t
        .http()
        .post('/api/v1/auth/login')
        .set('x-tenant-id', acme.slug)
        .send({ email: acme.admin.email, password: acme.admin.password })
        .expect(200)
    ).body;
    for (let i = 0; i < 3; i++) pair = (await refresh(pair.refreshToken).expect(200)).body;
    await t.as(pair.accessToken, acme.slug).get('/auth/me').expect(200);
    const rows = await familyRows('refresh_tokens', pair.refreshToken, acme.dbName);
    expect(rows).toHaveLength(4);
    expect(rows.every((row) => row.revoked_at === null)).toBe(true);
  });
});

describe('anonymous traffic and the tenant rate limit (TENANT_RATE_LIMIT_RPS=5)', () => {
  let t: TestApp;
  let victim: TestTenant;
  let bystander: TestTenant;

  beforeAll(async () => {
    t = await TestApp.start({
      TENANT_RATE_LIMIT_RPS: '5',
      LOGIN_MAX_FAILURES: '1000',
      LOGIN_MAX_FAILURES_PER_IP: '100000',
    });
    const pt = await t.platformToken();
    victim = await t.createTenant('victim', pt);
    await sleep(1_200); // the anonymous buckets refill after the first sign-in
    bystander = await t.createTenant('bystander', pt);
  });
  afterAll(() => t?.stop());

  it(`keeps a tenant's signed-in users at 200 while 50 anonymous sign-ins naming it arrive at once (${ROUNDS} rounds)`, async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const flood = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          t
            .http()
            .post('/api/v1/auth/login')
            .set('x-tenant-id', victim.slug)
            .send({ email: `flood-${i}@victim.test`, password: 'wrong-password-x' }),
        ),
      );
      expect(statuses(flood).every((s) => s === 401 || s === 429)).toBe(true);
      expect(count(flood, 429)).toBeGreaterThan(0);
      const limited = flood.find((a) => a.status === 429)!;
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.headers['ratelimit-remaining']).toBe('0');
      const leads = await t.as(victim.token, victim.slug).get('/leads').expect(200);
      expect(leads.headers['ratelimit-limit']).toBe('5');
      expect(Number(leads.headers['ratelimit-remaining'])).toBeGreaterThanOrEqual(0);
      expect(Number(leads.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(0);
      await t.as(bystander.token, bystander.slug).get('/leads').expect(200);
      await sleep(1_200);
    }
    // Nothing of the flood was checked beyond what the buckets let through, and none of it reached the bystander's trail.
    const flooded = await t.sql<{ n: string }>(
      `select count(*) as n from audit_logs where action = 'auth.login'`,
      [],
      victim.dbName,
    );
    expect(Number(flooded[0].n)).toBeLessThan(ROUNDS * 50);
    const elsewhere = await t.sql<{ n: string }>(
      `select count(*) as n from audit_logs where changes->>'email' like 'flood-%'`,
      [],
      bystander.dbName,
    );
    expect(Number(elsewhere[0].n)).toBe(0);
  });

  it("counts a signed-in caller's refused calls against its own tenant, with RateLimit-* on each 403", async () => {
    await sleep(1_200);
    const key = await t
      .as(bystander.token, bystander.slug)
      .post('/api-keys', { name: 'read leads', scopes: ['leads:read'] })
      .expect(201);
    await sleep(1_200);
    const refused = await Promise.all(
      Array.from({ length: 10 }, () =>
        t
          .http()
          .get('/api/v1/users')
          .set('x-api-key', key.body.key as string),
      ),
    );
    expect(statuses(refused).every((s) => s === 403)).toBe(true);
    expect(refused.every((a) => a.headers['ratelimit-limit'] === '5')).toBe(true);
    expect(refused.map((a) => a.headers['ratelimit-remaining'])).toContain('0');
    const next = await t.as(bystander.token, bystander.slug).get('/leads');
    expect(next.status).toBe(429);
    await sleep(1_200);
  });

  it("spends nothing of a tenant's budget for a token of another tenant sent with its header", async () => {
    await sleep(1_200);
    const foreign = await Promise.all(
      Array.from({ length: 10 }, () => t.as(victim.token, bystander.slug).get('/leads')),
    );
    expect(statuses(foreign).every((s) => s === 403)).toBe(true);
    expect(foreign.every((a) => a.headers['ratelimit-limit'] === undefined)).toBe(true);
    const own = await t.as(bystander.token, bystander.slug).get('/leads').expect(200);
    expect(own.headers['ratelimit-remaining']).toBe('4');
    await sleep(1_200);
  });

  it("spends nothing of a tenant's budget for a signed-out (revoked) token of its own", async () => {
    await sleep(1_200);
    const signIn = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', bystander.slug)
      .send({ email: bystander.admin.email, password: bystander.admin.password })
      .expect(200);
    const revoked = signIn.body.accessToken as string;
    await t.as(revoked, bystander.slug).post('/auth/logout', {}).expect(204);
    await sleep(1_200);
    const refused = await Promise.all(Array.from({ length: 10 }, () => t.as(revoked, bystander.slug).get('/leads')));
    expect(statuses(refused).every((s) => s === 401)).toBe(true);
    const own = await t.as(bystander.token, bystander.slug).get('/leads').expect(200);
    expect(own.headers['ratelimit-remaining']).toBe('4');
    await sleep(1_200);
  });

  it('still gives a signed-in tenant its own 429 when it goes over its own limit', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => t.as(bystander.token, bystander.slug).get('/leads')),
    );
    expect(count(answers, 429)).toBeGreaterThan(0);
    expect(answers.find((a) => a.status === 429)!.headers['retry-after']).toMatch(/^\d+$/);
    await sleep(1_200);
    await t.as(victim.token, victim.slug).get('/leads').expect(200);
  });
});

describe('refreshing while sign-ins naming the tenant arrive from many addresses (TENANT_RATE_LIMIT_RPS=5, behind a proxy)', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let other: TestTenant;
  beforeAll(async () => {
    t = await TestApp.start({
      TENANT_RATE_LIMIT_RPS: '5',
      TRUST_PROXY: 'true',
      LOGIN_MAX_FAILURES: '1000',
      LOGIN_MAX_FAILURES_PER_IP: '100000',
    });
    const pt = await t.platformToken();
    [tenant, other] = await Promise.all([t.createTenant('refresher', pt), t.createTenant('quiet', pt)]);
  });
  afterAll(() => t?.stop());

  it(`lets a signed-in user refresh after 50 sign-ins from 50 addresses used up the tenant's sign-in bucket (${ROUNDS} rounds)`, async () => {
    for (let r = 0; r < ROUNDS; r++) {
      await sleep(1_200); // every bucket full again
      const from = (ip: string) =>
        t.http().post('/api/v1/auth/login').set('x-forwarded-for', ip).set('x-tenant-id', tenant.slug);
      const session = await from('203.0.113.200')
        .send({ email: tenant.admin.email, password: tenant.admin.password })
        .expect(200);
      const flood = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          from(`198.51.100.${i + 1}`).send({ email: `flood-${i}@x.test`, password: 'wrong-password-x' }),
        ),
      );
      expect(count(flood, 429)).toBeGreaterThan(0); // the tenant's sign-in bucket is empty…
      const refreshed = await t
        .http()
        .post('/api/v1/auth/refresh')
        .set('x-forwarded-for', '203.0.113.201')
        .send({ refreshToken: session.body.refreshToken });
      expect(refreshed.status).toBe(200); // …and refreshing does not draw on it
    }
    await t.as(other.token, other.slug).get('/leads').expect(200);
  });
});

describe('sign-in, refresh and sign-out in the tenant audit trail (two tenants)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let adminId: string;

  const trail = async (tenant: TestTenant, query: string) =>
    (await t.as(tenant.token, tenant.slug).get(`/audit-logs?limit=100&${query}`).expect(200)).body.data as {
      action: string;
      outcome: string;
      entity: string;
      entityId: string | null;
      actorId: string | null;
      changes: Record<string, unknown>;
      requestId: string;
    }[];

  beforeAll(async () => {
    t = await TestApp.start({ LOGIN_MAX_FAILURES: '50', LOGIN_MAX_FAILURES_PER_IP: '100000' });
    const pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
    adminId = (await t.as(acme.token, acme.slug).get('/auth/me').expect(200)).body.id;
  });
  afterAll(() => t?.stop());

  it('records auth.login (success and denied), auth.refresh (success, denied on reuse) and auth.logout with the user as entity', async () => {
    const login = (email: string, password: string) =>
      t.http().post('/api/v1/auth/login').set('x-tenant-id', acme.slug).send({ email, password });
    const pair = (
      await login(acme.admin.email.toUpperCase(), acme.admin.password).set('x-request-id', 'req-good-login').expect(200)
    ).body;
    await login(acme.admin.email, 'not-the-password-at-all').set('x-request-id', 'req-bad-login').expect(401);
    await login('ghost@acme.test', 'not-the-password-at-all').set('x-request-id', 'req-ghost-login').expect(401);
    const next = (
      await t
        .http()
        .post('/api/v1/auth/refresh')
        .set('x-request-id', 'req-refresh')
        .send({ refreshToken: pair.refreshToken })
        .expect(200)
    ).body;
    await t
      .http()
      .post('/api/v1/auth/refresh')
      .set('x-request-id', 'req-reuse')
      .send({ refreshToken: pair.refreshToken })
      .expect(401);
    const again = (await login(acme.admin.email, acme.admin.password).expect(200)).body;
    await t.as(again.accessToken, acme.slug).post('/auth/logout', {}).set('x-request-id', 'req-logout').expect(204);

    const byRequest = async (action: string, requestId: string) =>
      (await trail(acme, `action=${action}`)).find((e) => e.requestId === requestId);
    expect(await byRequest('auth.login', 'req-good-login')).toMatchObject({
      outcome: 'success',
      entity: 'user',
      entityId: adminId,
      actorId: adminId,
      changes: { email: acme.admin.email },
    });
    expect(await byRequest('auth.login', 'req-bad-login')).toMatchObject({
      outcome: 'denied',
      entity: 'user',
      entityId: adminId,
    });
    expect(await byRequest('auth.login', 'req-ghost-login')).toMatchObject({
      outcome: 'denied',
      entity: 'user',
      entityId: null,
      changes: { email: 'ghost@acme.test' },
    });
    expect(await byRequest('auth.refresh', 'req-refresh')).toMatchObject({
      outcome: 'success',
      entity: 'user',
      entityId: adminId,
    });
    expect(await byRequest('auth.refresh', 'req-reuse')).toMatchObject({
      outcome: 'denied',
      entity: 'user',
      entityId: adminId,
    });
    expect(await byRequest('auth.logout', 'req-logout')).toMatchObject({
      outcome: 'success',
      entity: 'user',
      entityId: adminId,
    });
    expect(next.refreshToken).toBeDefined();

    // No password ever lands in the trail.
    const rows = await t.sql<{ row: string }>(
      `select row_to_json(a)::text as row from audit_logs a where action like 'auth.%'`,
      [],
      acme.dbName,
    );
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(rows.some((r) => r.row.includes(acme.admin.password) || r.row.includes('not-the-password-at-all'))).toBe(
      false,
    );
  });

  it("keeps each tenant's sign-ins in its own trail only (20 concurrent sign-ins over both tenants, 3 rounds)", async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const sign = (tenant: TestTenant) =>
        t
          .http()
          .post('/api/v1/auth/login')
          .set('x-tenant-id', tenant.slug)
          .set('x-request-id', `iso-${r}-${tenant.slug}`)
          .send({ email: tenant.admin.email, password: tenant.admin.password });
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => sign(i % 2 ? acme : globex)));
      expect(statuses(answers)).toEqual(Array(20).fill(200));
    }
    for (const [mine, other] of [
      [acme, globex],
      [globex, acme],
    ]) {
      const rows = await t.sql<{ request_id: string; n: string }>(
        `select request_id, count(*) as n from audit_logs where action = 'auth.login' and request_id like 'iso-%' group by request_id`,
        [],
        mine.dbName,
      );
      expect(rows.map((row) => row.request_id).sort()).toEqual(
        Array.from({ length: ROUNDS }, (_, r) => `iso-${r}-${mine.slug}`),
      );
      expect(rows.every((row) => Number(row.n) === 10)).toBe(true);
      expect(rows.some((row) => row.request_id.endsWith(other.slug))).toBe(false);
    }
  });
});
