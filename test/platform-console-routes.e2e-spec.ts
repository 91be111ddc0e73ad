import { TestApp, type TestTenant } from './support/test-app';

/** The platform routes the ops console reads: servers, fleet migrations, a tenant's usage and support sessions, filters. */
describe('platform routes for the ops console', () => {
  let t: TestApp;
  let pt: string;
  let a: TestTenant;
  let b: TestTenant;
  let catalog: string;
  beforeAll(async () => {
    t = await TestApp.start({ LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' });
    pt = await t.platformToken();
    [a, b] = [await t.createTenant('acme', pt), await t.createTenant('globex', pt)];
    catalog = `tessera_test_${t.id}`;
  }, 60_000);
  afterAll(() => t?.stop());

  const get = (path: string, token = pt) => t.http().get(`/api/v1${path}`).set('authorization', `Bearer ${token}`);
  const post = (path: string, body: object, token = pt) =>
    t.http().post(`/api/v1${path}`).set('authorization', `Bearer ${token}`).send(body);
  const slugs = (body: { data: { slug: string }[] }) => body.data.map((x) => x.slug).sort();

  async function migrationsDone(): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await get('/platform/migrations').expect(200);
      if (res.body.lastRun?.status === 'done') return res.body;
      if (Date.now() > deadline) throw new Error('the fleet migration did not finish in 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  describe('GET /platform/servers', () => {
    it('lists the servers with their tenants, pools and connection budget', async () => {
      await get('/leads', a.token).set('x-tenant-id', a.slug).expect(200); // this instance opens a pool on main
      const res = await get('/platform/servers').expect(200);
      const main = res.body.data.find((s: { name: string }) => s.name === 'main');
      expect(res.body.meta).toMatchObject({ page: 1, limit: 20 });
      expect(main).toMatchObject({ tenants: 2, active: true, tags: expect.any(Array), capacity: expect.any(Number) });
      expect(main.pools.open).toBeGreaterThanOrEqual(1);
      expect(main.connections.budget).toBeGreaterThan(0);
      expect(main.connections.held).toBeLessThanOrEqual(main.connections.budget);
    });

    it('is for super admins only (a company admin gets 403)', async () => {
      await get('/platform/servers', a.token).expect(403);
    });

    it('refuses a limit over 100 with a problem naming the field', async () => {
      const res = await get('/platform/servers?limit=1000').expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors[0].field).toBe('limit');
    });
  });

  describe('GET /platform/tenants filters', () => {
    it('filters by server, plan, status, schema version and a search in slug and name', async () => {
      const [row] = await t.sql<{ v: string }>(
        'select schema_version as v from tenants where slug = $1',
        [a.slug],
        catalog,
      );
      expect(slugs((await get(`/platform/tenants?server=main&q=${t.id}`).expect(200)).body)).toEqual([a.slug, b.slug]);
      expect(slugs((await get(`/platform/tenants?q=ACME-${t.id}`).expect(200)).body)).toEqual([a.slug]);
      expect(slugs((await get(`/platform/tenants?plan=standard&status=active&q=${t.id}`).expect(200)).body)).toEqual([
        a.slug,
        b.slug,
      ]);
      expect(slugs((await get(`/platform/tenants?schemaVersion=${row.v}&q=globex`).expect(200)).body)).toEqual([
        b.slug,
      ]);
      expect((await get('/platform/tenants?schemaVersion=none').expect(200)).body.meta.total).toBe(0);
      expect((await get('/platform/tenants?plan=enterprise').expect(200)).body.meta.total).toBe(0);
    });

    it('treats % and _ in the search as plain characters', async () => {
      expect((await get('/platform/tenants?q=%25').expect(200)).body.meta.total).toBe(0);
      expect((await get('/platform/tenants?q=_').expect(200)).body.meta.total).toBe(0);
    });

    it.each([
      ['server', 'server=Main;drop'],
      ['plan', "plan=x'or'1"],
      ['schemaVersion', 'schemaVersion=Migration1'],
      ['q', `q=${'x'.repeat(101)}`],
      ['q', 'q=a%00b'],
      ['status', 'status=deleted'],
    ])('refuses a hostile %s with 400 naming it', async (fieldName, query) => {
      const res = await get(`/platform/tenants?${query}`).expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.body)).toContain(fieldName);
    });
  });

  describe("a tenant's usage and support sessions", () => {
    it("answers each tenant's own usage (its users, its plan)", async () => {
      await post(
        '/users',
        { email: 'extra@acme.test', name: 'Extra', password: 'extra-user-passphrase', role: 'staff' },
        a.token,
      )
        .set('x-tenant-id', a.slug)
        .expect(201);
      const [ua, ub] = [
        await get(`/platform/tenants/${a.slug}/usage`).expect(200),
        await get(`/platform/tenants/${b.slug}/usage`).expect(200),
      ];
      expect(ua.body).toMatchObject({ plan: 'standard', used: { users: 2 } });
      expect(ub.body).toMatchObject({ plan: 'standard', used: { users: 1 } });
    });

    it('lists the support sessions of one tenant (none here) and refuses company admins', async () => {
      const res = await get(`/platform/tenants/${b.slug}/impersonations`).expect(200);
      expect(res.body).toEqual({ data: [], meta: { page: 1, limit: 20, total: 0 } });
      await get(`/platform/tenants/${b.slug}/impersonations`, b.token).expect(403);
      await get(`/platform/tenants/${b.slug}/usage`, b.token).expect(403);
    });

    it('answers 404 for an unknown tenant and 400 for a malformed slug', async () => {
      await get('/platform/tenants/nobody-here/usage').expect(404);
      const bad = await get('/platform/tenants/NOT_A_SLUG/usage').expect(400);
      expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    });
  });

  describe('fleet migrations', () => {
    const behind = (slug: string) =>
      t.sql("update tenants set schema_version = 'Migration20000101000000' where slug = $1", [slug], catalog);

    it('shows tenants per version, and a tenant behind once its version is older', async () => {
      await behind(b.slug);
      const res = await get('/platform/migrations').expect(200);
      expect(res.body).toMatchObject({ behind: 1, behindTenants: [b.slug], failed: [] });
      expect(res.body.versions).toEqual(
        expect.arrayContaining([
          { version: 'Migration20000101000000', tenants: 1 },
          { version: res.body.latest, tenants: 1 },
        ]),
      );
    });

    it('runs a fleet migration: 202 with Location, progress, then no tenant behind', async () => {
      await behind(b.slug);
      const res = await post('/platform/migrations', {}).expect(202);
      expect(res.headers.location).toBe('/api/v1/platform/migrations');
      expect(res.body).toMatchObject({ status: 'running', total: 1 });
      const done = await migrationsDone();
      expect(done).toMatchObject({ behind: 0, lastRun: { id: res.body.id, done: 1, failed: 0, total: 1 } });
    });

    it('records a tenant that fails with its error, and lists it as failed while it stays behind', async () => {
      await behind(b.slug);
      // Its schema migrates, then granting the runtime privileges to a role that does not exist fails.
      await t.sql('update tenants set db_role = $1 where slug = $2', [`${t.prefix}no_such_role`, b.slug], catalog);
      try {
        await post('/platform/migrations', { perServer: 2 }).expect(202);
        const done = await migrationsDone();
        expect(done).toMatchObject({
          behind: 1,
          lastRun: { failed: 1 },
          failed: [{ slug: b.slug, error: expect.any(String) }],
        });
      } finally {
        await t.sql('update tenants set db_role = $1 where slug = $2', [b.dbName, b.slug], catalog);
      }
    });

    it('starts exactly one run when 20 start at once', async () => {
      await behind(b.slug);
      const [{ n: before }] = await t.sql<{ n: string }>('select count(*) as n from fleet_migration_runs', [], catalog);
      const answers = await Promise.all(Array.from({ length: 20 }, () => post('/platform/migrations', {})));
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 202)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(19);
      await migrationsDone();
      const [{ n: after }] = await t.sql<{ n: string }>('select count(*) as n from fleet_migration_runs', [], catalog);
      const running = await t.sql("select id from fleet_migration_runs where status = 'running'", [], catalog);
      expect({ added: Number(after) - Number(before), running: running.length }).toEqual({ added: 1, running: 0 });
    });

    it.each([
      ['perServer 0', { perServer: 0 }],
      ['perServer null', { perServer: null }],
      ['perServer as a string', { perServer: '4' }],
      ['an unknown field', { all: true }],
    ])('refuses %s with a 400 problem', async (_what, body) => {
      const res = await post('/platform/migrations', body).expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    it('is for super admins only (a company admin gets 403 on both)', async () => {
      await get('/platform/migrations', a.token).expect(403);
      await post('/platform/migrations', {}, a.token).expect(403);
    });
  });
});
