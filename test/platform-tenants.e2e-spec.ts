import { TestApp } from './support/test-app';

describe('platform tenants API', () => {
  let t: TestApp;
  let pt: string;
  beforeAll(async () => {
    t = await TestApp.start();
    pt = await t.platformToken();
  });
  afterAll(() => t?.stop());

  const post = (body: object, token = pt) =>
    t.http().post('/api/v1/platform/tenants').set('authorization', `Bearer ${token}`).send(body);
  const valid = (slug: string) => ({
    slug,
    name: 'Initech',
    adminEmail: 'boss@initech.test',
    adminName: 'Bill',
    adminPassword: 'initech-admin-pass',
  });

  it('onboards: 202 + Location, provisioning, then active with activatedAt', async () => {
    const slug = `initech-${t.id}`;
    const res = await post({ ...valid(slug), plan: 'enterprise' }).expect(202);
    expect(res.headers.location).toBe(`/api/v1/platform/tenants/${slug}`);
    expect(res.body).toMatchObject({
      slug,
      name: 'Initech',
      plan: 'enterprise',
      status: 'provisioning',
      dbServer: 'main',
      activatedAt: null,
    });
    const active = await t.waitForStatus(slug, 'active', pt);
    expect(active).toMatchObject({ slug, status: 'active', dbServer: 'main' });
    expect(Date.parse(active.activatedAt as string)).toBeGreaterThanOrEqual(Date.parse(active.createdAt as string));
    expect(active).not.toHaveProperty('dbPasswordEnc');
    expect(active).not.toHaveProperty('pendingAdmin');
    const list = await t.http().get('/api/v1/platform/tenants').set('authorization', `Bearer ${pt}`).expect(200);
    expect(list.body.data.map((x: { slug: string }) => x.slug)).toContain(slug);
    // The admin password was only ever kept hashed, and the hash is gone from the catalog once seeded.
    const [row] = await t.sql<{ pending_admin: unknown }>(
      'select pending_admin from tenants where slug = $1',
      [slug],
      `tessera_test_${t.id}`,
    );
    expect(row.pending_admin).toBeNull();
    const [user] = await t.sql<{ password_hash: string; role: string }>(
      'select password_hash, role from users',
      [],
      `${t.prefix}${slug.replace(/-/g, '_')}`,
    );
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    expect(user.role).toBe('company_admin');
  });

  it('refuses a duplicate slug with 409', async () => {
    const slug = `dupe-${t.id}`;
    await post(valid(slug)).expect(202);
    const again = await post(valid(slug)).expect(409);
    expect(again.body.type).toMatch(/\/tenant-exists$/);
    await t.waitForStatus(slug, 'active', pt);
  });

  it('refuses invalid bodies with field errors, creating nothing', async () => {
    const before = await t.sql('select datname from pg_database where starts_with(datname, $1)', [t.prefix]);
    const cases: [object, string][] = [
      [{ ...valid('ok-slug'), slug: 'Bad_Slug' }, 'slug'],
      [{ ...valid('ok-slug'), slug: "x'; drop database postgres;--" }, 'slug'],
      [{ ...valid('ok-slug'), adminPassword: 'short' }, 'adminPassword'],
      [{ ...valid('ok-slug'), adminEmail: 'not-an-email' }, 'adminEmail'],
      [{ ...valid('ok-slug'), status: 'active' }, 'status'],
      [{ ...valid('ok-slug'), dbName: 'postgres' }, 'dbName'],
      [{ slug: 'ok-slug' }, 'name'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const unknownServer = await post({ ...valid(`nowhere-${t.id}`), dbServer: 'nowhere' }).expect(400);
    expect(unknownServer.body.errors).toEqual([
      { field: 'dbServer', message: 'must name a server of tenants.config.json' },
    ]);
    const after = await t.sql('select datname from pg_database where starts_with(datname, $1)', [t.prefix]);
    expect(after).toEqual(before);
    const catalog = await t.sql(
      'select slug from tenants where slug in ($1, $2)',
      ['ok-slug', `nowhere-${t.id}`],
      `tessera_test_${t.id}`,
    );
    expect(catalog).toEqual([]);
  });

  it('never adopts a database it did not create (409, nothing touched)', async () => {
    const slug = `squatter-${t.id}`;
    const dbName = `${t.prefix}squatter_${t.id}`;
    await t.sql(`create database "${dbName}"`);
    const res = await post(valid(slug)).expect(409);
    expect(res.body.type).toMatch(/\/tenant-db-exists$/);
    const roles = await t.sql('select 1 from pg_roles where rolname = $1', [dbName]);
    expect(roles).toEqual([]);
  });

  it('records platform actions and sign-ins in the catalog, without secrets', async () => {
    const slug = `audited-${t.id}`;
    await post(valid(slug)).expect(202);
    await t.waitForStatus(slug, 'active', pt);
    await t
      .http()
      .post('/api/v1/platform/auth/login')
      .send({ email: 'root@platform.test', password: 'a-wrong-password-canary' })
      .expect(401);
    const rows = await t.sql<{ action: string; entity: string; entity_id: string; outcome: string; actor_id: string }>(
      'select action, entity, entity_id, outcome, actor_id from platform_audit_logs order by seq',
      [],
      `tessera_test_${t.id}`,
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'platform.tenant.create',
          entity: 'tenant',
          entity_id: slug,
          outcome: 'success',
        }),
        expect.objectContaining({ action: 'platform.auth.login', outcome: 'success' }),
        expect.objectContaining({
          action: 'platform.auth.login',
          outcome: 'denied',
          actor_id: 'email:root@platform.test',
        }),
      ]),
    );
    const dump = JSON.stringify(await t.sql('select * from platform_audit_logs', [], `tessera_test_${t.id}`));
    expect(dump).not.toContain('a-wrong-password-canary');
    expect(dump).not.toContain('initech-admin-pass');
    await expect(t.sql('delete from platform_audit_logs', [], `tessera_test_${t.id}`)).rejects.toThrow(/append-only/);
  });

  it('answers unknown and malformed slugs, and guards the routes', async () => {
    await t.http().get(`/api/v1/platform/tenants/none-${t.id}`).set('authorization', `Bearer ${pt}`).expect(404);
    await t.http().get('/api/v1/platform/tenants/NOPE').set('authorization', `Bearer ${pt}`).expect(400);
    await t.http().get('/api/v1/platform/tenants').expect(401);
    await t.http().get('/api/v1/platform/tenants').set('authorization', `Bearer ${pt}x`).expect(401);
    await t
      .http()
      .post('/api/v1/platform/auth/login')
      .send({ email: 'root@platform.test', password: 'wrong-password-x' })
      .expect(401);
  });
});
