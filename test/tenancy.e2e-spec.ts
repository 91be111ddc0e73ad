import { Client } from 'pg';
import { parsePostgresUrl } from '@app/catalog';
import { TestApp, TestTenant } from './support/test-app';

describe('database per tenant (two tenants, real PostgreSQL)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let platformToken: string;

  beforeAll(async () => {
    t = await TestApp.start();
    platformToken = await t.platformToken();
    [acme, globex] = await Promise.all([
      t.createTenant('acme', platformToken),
      t.createTenant('globex', platformToken),
    ]);
  });
  afterAll(() => t?.stop());

  const as = (tenant: TestTenant, token = tenant.token) => t.as(token, tenant.slug);

  it('gives each tenant its own database and role, and the template stays admin-only', async () => {
    const dbs = (
      await t.sql<{ datname: string }>('select datname from pg_database where starts_with(datname, $1) order by 1', [
        t.prefix,
      ])
    ).map((r) => r.datname);
    expect(dbs).toEqual([`${t.prefix}_template`, acme.dbName, globex.dbName].sort());
    const roles = await t.sql<{ rolname: string; rolsuper: boolean; rolcreatedb: boolean }>(
      'select rolname, rolsuper, rolcreatedb from pg_roles where starts_with(rolname, $1) order by 1',
      [t.prefix],
    );
    expect(roles).toEqual(
      [acme.dbName, globex.dbName].sort().map((rolname) => ({ rolname, rolsuper: false, rolcreatedb: false })),
    );
    const publicConnect = await t.sql<{ ok: boolean }>("select has_database_privilege('public', $1, 'CONNECT') as ok", [
      acme.dbName,
    ]);
    expect(publicConnect[0].ok).toBe(false);
  });

  it("a tenant's role cannot connect to the other tenant's database", async () => {
    const [row] = await t.sql<{ db_password_enc: string }>(
      'select db_password_enc from tenants where slug = $1',
      [acme.slug],
      parsePostgresUrl(t.catalogUrl).database,
    );
    expect(row.db_password_enc).toMatch(/^v1:/); // stored sealed, never in clear
    const { SecretBox } = await import('@app/catalog');
    const password = t.app.get(SecretBox).open(row.db_password_enc);
    const server = parsePostgresUrl(t.adminUrl);
    const own = new Client({
      host: server.host,
      port: server.port,
      user: acme.dbName,
      password,
      database: acme.dbName,
    });
    await own.connect();
    await expect(own.query('create table intruder (id int)')).rejects.toMatchObject({ code: '42501' }); // no DDL at run time
    await own.end();
    const other = new Client({
      host: server.host,
      port: server.port,
      user: acme.dbName,
      password,
      database: globex.dbName,
    });
    other.on('error', () => undefined);
    await expect(other.connect()).rejects.toMatchObject({ code: '42501' });
  });

  describe('leads stay apart: list, read, update and delete by id never cross tenants', () => {
    let id: string;
    beforeAll(async () => {
      const created = await as(acme)
        .post('/leads', { name: 'Wile E. Coyote', email: 'wile@acme.test', company: 'Acme' })
        .expect(201);
      id = created.body.id as string;
    });

    it("stores a lead in its own tenant's database only", async () => {
      const rows = await t.sql<{ name: string }>('select name from leads', [], acme.dbName);
      expect(rows).toEqual([{ name: 'Wile E. Coyote' }]);
      expect(await t.sql('select id from leads', [], globex.dbName)).toEqual([]);
    });

    it('lists it for its own tenant only', async () => {
      const listA = await as(acme).get('/leads').expect(200);
      expect(listA.body.meta).toEqual({ page: 1, limit: 20, total: 1 });
      const listB = await as(globex).get('/leads').expect(200);
      expect(listB.body).toEqual({ data: [], meta: { page: 1, limit: 20, total: 0 } });
    });

    it('answers the other tenant reading it with 404', async () => {
      await as(globex).get(`/leads/${id}`).expect(404);
    });

    it('answers the other tenant changing it with 404, and it stays as it was', async () => {
      await as(globex).patch(`/leads/${id}`, { name: 'Hijacked' }).expect(404);
      const still = await as(acme).get(`/leads/${id}`).expect(200);
      expect(still.body.name).toBe('Wile E. Coyote');
    });

    it('answers the other tenant deleting it with 404, and it stays', async () => {
      await as(globex).delete(`/leads/${id}`).expect(404);
      const still = await as(acme).get(`/leads/${id}`).expect(200);
      expect(still.body.name).toBe('Wile E. Coyote');
    });
  });

  describe("a tenant's token is for its own tenant only; platform tokens are not for tenant data", () => {
    const leads = (token: string) => t.http().get('/api/v1/leads').set('authorization', `Bearer ${token}`);

    it("is refused on another tenant's header (403 tenant-mismatch), naming neither", async () => {
      const swapped = await leads(acme.token).set('x-tenant-id', globex.slug).expect(403);
      expect(swapped.headers['content-type']).toContain('application/problem+json');
      expect(swapped.body.type).toMatch(/\/tenant-mismatch$/);
      expect(JSON.stringify(swapped.body)).not.toContain(globex.slug);
    });

    it("is refused on another tenant's sub-domain (403)", async () => {
      await leads(acme.token).set('host', `${globex.slug}.tessera.test`).expect(403);
    });

    it('is served on its own sub-domain', async () => {
      const bySubdomain = await leads(acme.token).set('host', `${acme.slug}.tessera.test`).expect(200);
      expect(bySubdomain.body.meta.total).toBe(1);
    });

    it('names its tenant when no header or sub-domain does', async () => {
      const byToken = await leads(globex.token).expect(200);
      expect(byToken.body.meta.total).toBe(0);
    });

    it('is refused on platform routes (403)', async () => {
      await t.http().get('/api/v1/platform/tenants').set('authorization', `Bearer ${acme.token}`).expect(403);
    });

    it('a platform token is refused on tenant data (403)', async () => {
      await leads(platformToken).set('x-tenant-id', acme.slug).expect(403);
    });
  });

  describe('bad tenants and missing credentials get problem+json, never reaching SQL', () => {
    const login = () => t.http().post('/api/v1/auth/login');
    const credentials = () => ({ email: acme.admin.email, password: acme.admin.password });

    it('asks for credentials (401) when none are sent', async () => {
      await t.http().get('/api/v1/leads').set('x-tenant-id', acme.slug).expect(401);
    });

    it('refuses a bearer token that is not one (401)', async () => {
      await t
        .http()
        .get('/api/v1/leads')
        .set('authorization', 'Bearer not.a.token')
        .set('x-tenant-id', acme.slug)
        .expect(401);
    });

    it('refuses an injection-shaped tenant id before any lookup (400 invalid-tenant)', async () => {
      const bad = await login().set('x-tenant-id', "x'; drop table users;--").send(credentials()).expect(400);
      expect(bad.body.type).toMatch(/\/invalid-tenant$/);
    });

    it.each(['A', 'ab', 'Acme', '-acme', 'acme-', 'a'.repeat(41), 'acme_corp'])(
      'refuses the malformed tenant id %p (400)',
      async (slug) => {
        await login().set('x-tenant-id', slug).send({ email: 'a@b.test', password: 'x' }).expect(400);
      },
    );

    it('answers a tenant that does not exist with 404 tenant-not-found', async () => {
      const unknown = await login().set('x-tenant-id', `nope-${t.id}`).send(credentials()).expect(404);
      expect(unknown.body.type).toMatch(/\/tenant-not-found$/);
    });

    it('asks for a tenant when none is named (400 tenant-required)', async () => {
      const none = await login().send(credentials()).expect(400);
      expect(none.body.type).toMatch(/\/tenant-required$/);
    });

    it('answers a wrong password and an unknown email alike (401)', async () => {
      const wrongPassword = await login()
        .set('x-tenant-id', acme.slug)
        .send({ ...credentials(), password: 'wrong-password-here' })
        .expect(401);
      const unknownEmail = await login()
        .set('x-tenant-id', acme.slug)
        .send({ email: 'nobody@acme.test', password: 'wrong-password-here' })
        .expect(401);
      expect(unknownEmail.body).toEqual(wrongPassword.body);
    });

    it("does not know one tenant's admin in another tenant (401): emails are per tenant", async () => {
      await login().set('x-tenant-id', globex.slug).send(credentials()).expect(401);
    });
  });

  it('refuses suspended (403), provisioning (409) and failed tenants, and serves them again once active', async () => {
    await t.setTenantStatus(globex.slug, 'suspended');
    const suspended = await as(globex).get('/leads').expect(403);
    expect(suspended.body.type).toMatch(/\/tenant-suspended$/);
    await t.setTenantStatus(globex.slug, 'provisioning');
    await as(globex).get('/leads').expect(409);
    await t.setTenantStatus(globex.slug, 'active');
    await as(globex).get('/leads').expect(200);
    await as(acme).get('/leads').expect(200);
  });

  it('answers every request with an X-Request-ID, echoing a well-formed one', async () => {
    const echoed = await t.http().get('/health/live').set('x-request-id', 'req-12345678').expect(200);
    expect(echoed.headers['x-request-id']).toBe('req-12345678');
    const replaced = await t.http().get('/health/live').set('x-request-id', 'bad id with spaces').expect(200);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('malformed requests get problem+json (no stack, no SQL)', () => {
  let t: TestApp;
  let acme: TestTenant;
  beforeAll(async () => {
    t = await TestApp.start();
    acme = await t.createTenant('acme');
  });
  afterAll(() => t?.stop());

  it.each([
    ['broken JSON', '{"name":', 'application/json', 400],
    ['a JSON array', '[1,2]', 'application/json', 400],
    ['a wrong content type', 'name=x', 'text/plain', 415],
  ])('%s', async (_label, body, type, status) => {
    const res = await t
      .http()
      .post('/api/v1/leads')
      .set('authorization', `Bearer ${acme.token}`)
      .set('content-type', type)
      .send(body)
      .expect(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({
      status,
      type: expect.stringMatching(/^https:\/\//),
      title: expect.any(String),
      detail: expect.any(String),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+|select |insert /i);
  });

  describe('field errors: unknown fields, wrong types and bad ids', () => {
    const auth = () => ({ authorization: `Bearer ${acme.token}` });

    it('names an unknown field', async () => {
      const unknown = await t
        .http()
        .post('/api/v1/leads')
        .set(auth())
        .send({ name: 'x', ownerId: '00000000-0000-0000-0000-000000000000' })
        .expect(400);
      expect(unknown.body.errors).toEqual([{ field: 'ownerId', message: 'ownerId is not an accepted field' }]);
    });

    it('names a field of the wrong type', async () => {
      const wrongType = await t.http().post('/api/v1/leads').set(auth()).send({ name: 42 }).expect(400);
      expect(wrongType.body.errors.map((e: { field: string }) => e.field)).toContain('name');
    });

    it('refuses a new lead that claims to be converted (400)', async () => {
      await t.http().post('/api/v1/leads').set(auth()).send({ name: 'x', status: 'converted' }).expect(400);
    });

    it.each([
      ['an id that is not a UUID', 400, '/api/v1/leads/not-a-uuid'],
      ['a page larger than 100', 400, '/api/v1/leads?limit=1000'],
      ['a sort field outside the list', 400, '/api/v1/leads?sort=password'],
      ['page 0', 400, '/api/v1/leads?page=0'],
      ['a route that does not exist', 404, '/api/v1/nowhere'],
    ])('answers %s with %i', async (_label, status, path) => {
      await t.http().get(path).set(auth()).expect(status);
    });
  });

  describe('lead lists', () => {
    const auth = () => ({ authorization: `Bearer ${acme.token}` });
    beforeAll(async () => {
      for (const name of ['Carol', 'alice', 'Bob'])
        await t
          .http()
          .post('/api/v1/leads')
          .set(auth())
          .send({ name, company: `${name} Inc` })
          .expect(201);
    });
    const search = async (q: string) => (await t.http().get(`/api/v1/leads?q=${q}`).set(auth()).expect(200)).body;

    it('come in pages, with the total', async () => {
      const page = await t.http().get('/api/v1/leads?limit=2&page=2&sort=name').set(auth()).expect(200);
      expect(page.body.meta).toEqual({ page: 2, limit: 2, total: 3 });
      expect(page.body.data.map((l: { name: string }) => l.name)).toHaveLength(1);
    });

    it('search case-insensitively', async () => {
      expect((await search('ALICE')).data.map((l: { name: string }) => l.name)).toEqual(['alice']);
    });

    it('take % in a search literally', async () => {
      expect((await search('%25')).meta.total).toBe(0);
    });

    it('filter by status', async () => {
      const [lead] = (await search('ALICE')).data;
      const patched = await t
        .http()
        .patch(`/api/v1/leads/${lead.id}`)
        .set(auth())
        .send({ status: 'contacted' })
        .expect(200);
      expect(patched.body.status).toBe('contacted');
      const byStatus = await t.http().get('/api/v1/leads?status=contacted').set(auth()).expect(200);
      expect(byStatus.body.meta.total).toBe(1);
    });

    it('lose a deleted lead (204, then 404)', async () => {
      const lead = (await t.http().post('/api/v1/leads').set(auth()).send({ name: 'Temporary' }).expect(201)).body;
      await t.http().delete(`/api/v1/leads/${lead.id}`).set(auth()).expect(204);
      await t.http().get(`/api/v1/leads/${lead.id}`).set(auth()).expect(404);
    });
  });
});
