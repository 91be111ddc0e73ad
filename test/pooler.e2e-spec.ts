import { SecretBox } from '@app/catalog';
import { Client } from 'pg';
import { adminSql } from './support/test-databases';
import { TestApp, testPgBouncer, TestTenant } from './support/test-app';
import type { TestPgBouncer } from './support/test-servers';
import { until } from './support/wait';

/**
 * Runs in the e2e-pooler tier only: the tenants' request traffic goes through a real PgBouncer
 * (transaction mode, default_pool_size 1), so every request of a tenant reuses one PostgreSQL
 * connection — whatever session state one request left there, the next one would meet.
 */
describe('tenant request traffic through PgBouncer (transaction mode)', () => {
  let t: TestApp;
  let bouncer: TestPgBouncer;
  let acme: TestTenant;
  let globex: TestTenant;
  const passwords = new Map<string, string>();

  const roleOf = (tenant: TestTenant) => tenant.dbName; // role name = database name = prefix + slug
  /** Backends on the tenants' databases, of any role (PgBouncer's auth_query runs there as the admin). */
  const tenantBackends = () =>
    adminSql<{ pid: number; usename: string; datname: string; client_port: number }>(
      t.adminUrl,
      `select pid, usename, datname, client_port from pg_stat_activity
        where starts_with(datname, $1) and backend_type = 'client backend'`,
      [t.prefix],
    );
  /** The PgBouncer admin console (SHOW …): simple queries only. */
  const adminConsole = async <T>(command: string): Promise<T[]> => {
    const client = new Client({ connectionString: bouncer.adminUrl });
    await client.connect();
    try {
      return (await client.query(command)).rows as T[];
    } finally {
      await client.end();
    }
  };
  /** A client of the tenant's role through PgBouncer, as the API's pools connect. */
  const throughPooler = async <T>(tenant: TestTenant, database: string, fn: (c: Client) => Promise<T>) => {
    const client = new Client({
      host: bouncer.host,
      port: bouncer.port,
      user: roleOf(tenant),
      password: passwords.get(tenant.slug),
      database,
      connectionTimeoutMillis: 20_000,
    });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  /** 40 requests at once, 20 per tenant: writes (audit chain, flush), reads with counts, sign-ins (refresh tokens). */
  const burst = () =>
    Promise.all(
      [acme, globex].flatMap((tenant) =>
        Array.from({ length: 20 }, (_, i) => {
          if (i % 4 === 0)
            return t
              .http()
              .post('/api/v1/auth/login')
              .set('x-tenant-id', tenant.slug)
              .send({ email: tenant.admin.email, password: tenant.admin.password })
              .expect(200);
          if (i % 4 === 1) return t.as(tenant.token, tenant.slug).get('/leads?limit=5').expect(200);
          return t
            .as(tenant.token, tenant.slug)
            .post('/leads', { name: `${tenant.slug} lead ${i}`, email: `lead${i}@${tenant.slug}.test` })
            .expect(201);
        }),
      ),
    );

  beforeAll(async () => {
    bouncer = testPgBouncer()!;
    expect(bouncer).toBeDefined();
    t = await TestApp.start();
    const pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
    const box = t.app.get(SecretBox);
    for (const tenant of [acme, globex]) {
      const [row] = await adminSql<{ db_password_enc: string }>(
        t.adminUrl,
        'select db_password_enc from tenants where slug = $1',
        [tenant.slug],
        `tessera_test_${t.id}`,
      );
      passwords.set(tenant.slug, box.open(row.db_password_enc));
    }
  }, 120_000);
  afterAll(() => t?.stop());

  it('reaches PostgreSQL only through PgBouncer: every tenant backend is one of its server connections', async () => {
    await burst();
    const [backends, servers, clients] = await Promise.all([
      tenantBackends(),
      adminConsole<{ user: string; database: string; local_port: number }>('SHOW SERVERS'),
      adminConsole<{ user: string; database: string }>('SHOW CLIENTS'),
    ]);
    const mine = backends.filter((b) => [acme, globex].some((x) => roleOf(x) === b.usename));
    expect(mine.length).toBeGreaterThan(0);
    const pooled = new Set(servers.map((s) => Number(s.local_port)));
    for (const backend of mine) expect(pooled.has(Number(backend.client_port))).toBe(true);
    // The API's pools are PgBouncer's clients, each logged in as its own tenant's role.
    for (const tenant of [acme, globex])
      expect(clients.some((c) => c.user === roleOf(tenant) && c.database === tenant.dbName)).toBe(true);
  });

  it('keeps each tenant database to max_db_connections server connections under concurrent requests, each tenant seeing only its own rows', async () => {
    const before = await Promise.all(
      [acme, globex].map(async (x) => (await t.as(x.token, x.slug).get('/leads?limit=1').expect(200)).body.meta.total),
    );
    await burst();
    const backends = await tenantBackends();
    for (const tenant of [acme, globex]) {
      const own = backends.filter((b) => b.datname === tenant.dbName);
      expect(own.filter((b) => b.usename === roleOf(tenant)).length).toBeLessThanOrEqual(bouncer.defaultPoolSize);
      // The budget counts max_db_connections per database, auth_query's included.
      expect(own.length).toBeLessThanOrEqual(bouncer.maxDbConnections);
    }
    for (const [i, tenant] of [acme, globex].entries()) {
      const list = await t.as(tenant.token, tenant.slug).get('/leads?limit=100').expect(200);
      expect(list.body.meta.total).toBe(before[i] + 10);
      for (const lead of list.body.data as { email: string }[]) expect(lead.email).toContain(`@${tenant.slug}.test`);
    }
  });

  it('leaves no session state on the pooled server connection that served the requests', async () => {
    await burst();
    for (const tenant of [acme, globex]) {
      const served = (await tenantBackends())
        .filter((b) => b.datname === tenant.dbName && b.usename === roleOf(tenant))
        .map((b) => b.pid);
      const state = await throughPooler(tenant, tenant.dbName, async (c) => {
        const q = async (text: string) => (await c.query(text)).rows as Record<string, unknown>[];
        return {
          pid: (await q('select pg_backend_pid() as pid'))[0].pid as number,
          // PgBouncer itself sets the parameters it tracks per client (application_name, TimeZone, …).
          settings: await q(`select name from pg_settings where source = 'session'
              and name not in ('application_name', 'client_encoding', 'DateStyle', 'TimeZone', 'standard_conforming_strings')`),
          prepared: await q('select name from pg_prepared_statements'),
          listening: await q('select pg_listening_channels() as channel'),
          tempSchema: (await q('select pg_my_temp_schema()::int as oid'))[0].oid,
          advisoryLocks: await q(
            "select objid from pg_locks where pid = pg_backend_pid() and locktype = 'advisory' and granted",
          ),
          statementTimeout: (await q('show statement_timeout'))[0].statement_timeout,
          idleInTransaction: (await q('show idle_in_transaction_session_timeout'))[0]
            .idle_in_transaction_session_timeout,
        };
      });
      // default_pool_size 1: the probe is handed the very connection the requests used.
      expect(served).toContain(state.pid);
      expect(state).toMatchObject({ settings: [], prepared: [], listening: [], tempSchema: 0, advisoryLocks: [] });
      // The request path's timeouts are settings of the tenant role, so pooled connections have them.
      expect(state).toMatchObject({ statementTimeout: '30s', idleInTransaction: '1min' });
    }
  });

  it("refuses a tenant's role another tenant's database through PgBouncer too", async () => {
    const refused = await throughPooler(acme, globex.dbName, () => Promise.resolve('connected')).catch(
      (error: { code?: string; message: string }) => error.code ?? error.message,
    );
    expect(refused).not.toBe('connected');
    expect(await throughPooler(acme, acme.dbName, () => Promise.resolve('connected'))).toBe('connected');
  });
});

describe('the connection budget through PgBouncer (room for two tenant databases)', () => {
  let onboarder: TestApp;
  let t: TestApp;
  let tenants: TestTenant[];
  let bouncer: TestPgBouncer;

  /** Tenant databases of this deployment holding PostgreSQL connections right now, and those connections. */
  const held = async () => {
    const rows = await adminSql<{ datname: string; n: string }>(
      t.adminUrl,
      `select datname, count(*) as n from pg_stat_activity
        where starts_with(datname, $1) and backend_type = 'client backend' group by datname`,
      [t.prefix],
    );
    return { databases: rows.length, connections: rows.reduce((n, r) => n + Number(r.n), 0) };
  };

  beforeAll(async () => {
    bouncer = testPgBouncer()!;
    const [{ max_connections: max }] = await adminSql<{ max_connections: string }>(
      process.env.TESSERA_TEST_PG!,
      'show max_connections',
    );
    // floor(max × share) − 10 reserved = 2 × maxDbConnections: two tenant databases at a time.
    const share = (10 + 2 * bouncer.maxDbConnections + 0.5) / Number(max);
    // Tenants onboarded (and signed in) by a first instance with the usual budget; the budget
    // under test is a second instance's of the same deployment.
    onboarder = await TestApp.start();
    const pt = await onboarder.platformToken();
    tenants = await Promise.all(['acme', 'globex', 'initech'].map((name) => onboarder.createTenant(name, pt)));
    t = await TestApp.start({ DB_CONNECTION_SHARE: share.toFixed(4) }, onboarder);
    // PgBouncer has closed the sign-ins' connections (server_idle_timeout).
    await until('idle tenant connections closed', async () => (await held()).databases === 0, 60_000);
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
    await onboarder?.stop();
  });

  it('never lets more tenant databases hold server connections than the budget, answering the rest 503 with Retry-After', async () => {
    let peak = { databases: 0, connections: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const now = await held();
        peak = {
          databases: Math.max(peak.databases, now.databases),
          connections: Math.max(peak.connections, now.connections),
        };
      }
    })();
    // 30 requests at once, 10 per tenant: two databases fit, the third waits for a slot.
    const answers = await Promise.all(
      tenants.flatMap((tenant) =>
        Array.from({ length: 10 }, () => t.as(tenant.token, tenant.slug).get('/leads?limit=5')),
      ),
    );
    sampling = false;
    await sampler;
    expect(peak.databases).toBeLessThanOrEqual(2);
    expect(peak.connections).toBeLessThanOrEqual(2 * bouncer.maxDbConnections);
    for (const answer of answers) {
      expect([200, 503]).toContain(answer.status);
      if (answer.status === 503) expect(answer.headers['retry-after']).toBe('1');
    }
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(20);
  });

  it('serves a waiting tenant once a slot is free again (after the pooler closed the idle connections)', async () => {
    const [, , initech] = tenants;
    const deadline = Date.now() + 60_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await t.as(initech.token, initech.slug).get('/leads?limit=5')).status;
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(status).toBe(200);
    expect((await held()).databases).toBeLessThanOrEqual(2);
  });
});
