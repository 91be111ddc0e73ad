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
    expect(list.body.data.find((x: { slug: string }) => x.slug === slug)).toEqual(active);
    expect(list.body.meta).toEqual({ page: 1, limit: 20, total: expect.any(Number) });
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

  describe('the tenant list: pages, sort and status filter like every other list ({data, meta})', () => {
    interface Listed {
      data: { slug: string; status: string; createdAt: string }[];
      meta: { page: number; limit: number; total: number };
    }
    const list = (query: string) =>
      t.http().get(`/api/v1/platform/tenants${query}`).set('authorization', `Bearer ${pt}`);
    const page = async (query: string) => (await list(query).expect(200)).body as Listed;
    const catalogSlugs = async (where = '', params: unknown[] = []) =>
      (await t.sql<{ slug: string }>(`select slug from tenants ${where}`, params, `tessera_test_${t.id}`))
        .map((r) => r.slug)
        .sort();
    let slugs: string[];
    beforeAll(async () => {
      slugs = ['list-b', 'list-a', 'list-c'].map((name) => `${name}-${t.id}`);
      for (const slug of slugs) await post(valid(slug)).expect(202);
      for (const slug of slugs) await t.waitForStatus(slug, 'active', pt);
      await t
        .http()
        .post(`/api/v1/platform/tenants/${slugs[1]}/suspend`)
        .set('authorization', `Bearer ${pt}`)
        .expect(200);
    });

    it('lists every catalog tenant once, newest first, with the total', async () => {
      const all = await page('?limit=100');
      expect(all.data.map((x) => x.slug).sort()).toEqual(await catalogSlugs());
      expect(all.meta).toEqual({ page: 1, limit: 100, total: all.data.length });
      const created = all.data.map((x) => Date.parse(x.createdAt));
      expect(created).toEqual([...created].sort((a, b) => b - a));
      expect(all.data.slice(0, 3).map((x) => x.slug)).toEqual([...slugs].reverse());
    });

    it('pages by page and limit, the total unchanged', async () => {
      const all = await page('?limit=100');
      const first = await page('?limit=2');
      const second = await page('?limit=2&page=2');
      expect(first.meta).toEqual({ page: 1, limit: 2, total: all.meta.total });
      expect(second.meta).toEqual({ page: 2, limit: 2, total: all.meta.total });
      expect([...first.data, ...second.data].map((x) => x.slug)).toEqual(all.data.slice(0, 4).map((x) => x.slug));
      const past = await page(`?limit=2&page=${Math.ceil(all.meta.total / 2) + 1}`);
      expect(past).toEqual({
        data: [],
        meta: { page: Math.ceil(all.meta.total / 2) + 1, limit: 2, total: all.meta.total },
      });
    });

    it('sorts by an allowed field, ascending or with - descending', async () => {
      const mine = (x: Listed) => x.data.map((y) => y.slug).filter((slug) => slugs.includes(slug));
      expect(mine(await page('?limit=100&sort=slug'))).toEqual([...slugs].sort());
      expect(mine(await page('?limit=100&sort=-slug'))).toEqual([...slugs].sort().reverse());
      expect(mine(await page('?limit=100&sort=createdAt'))).toEqual(slugs);
    });

    it('filters by status', async () => {
      const suspended = await page('?status=suspended&limit=100');
      expect(suspended.data.map((x) => x.slug).sort()).toEqual(await catalogSlugs('where status = $1', ['suspended']));
      expect(suspended.data.map((x) => x.slug)).toContain(slugs[1]);
      expect(suspended.meta.total).toBe(suspended.data.length);
      const active = await page('?status=active&limit=100');
      expect(active.data.every((x) => x.status === 'active')).toBe(true);
      expect(active.data.map((x) => x.slug)).toEqual(expect.arrayContaining([slugs[0], slugs[2]]));
      expect(active.data.map((x) => x.slug)).not.toContain(slugs[1]);
    });

    it.each([
      ['a sort field outside the list', '?sort=dbPasswordEnc', 'sort'],
      ['a sort that is not a field name', '?sort=slug,name', 'sort'],
      ['a limit above 100', '?limit=101', 'limit'],
      ['limit 0', '?limit=0', 'limit'],
      ['a limit that is not a number', '?limit=ten', 'limit'],
      ['page 0', '?page=0', 'page'],
      ['an unknown status', '?status=deleted', 'status'],
    ])('refuses %s with 400 problem+json naming the parameter', async (_label, query, field) => {
      const res = await list(query).expect(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });
});
