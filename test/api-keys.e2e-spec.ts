import { createHash } from 'node:crypto';
import type { Response } from 'supertest';
import { TestApp, TestTenant } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface CreatedKey {
  id: string;
  name: string;
  scopes: string[];
  key: string;
  expiresAt: string | null;
}

function expectProblem(res: Response, status: number, type?: RegExp): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.body.status).toBe(status);
  if (type) expect(res.body.type).toMatch(type);
}

describe('API keys for REST consumers (two tenants)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let managerToken: string;
  let staffToken: string;

  /** Requests as a signed-in user (bearer) of a tenant. */
  const as = (token: string, slug?: string) => {
    const auth = (req: ReturnType<ReturnType<TestApp['http']>['get']>) => {
      req.set('authorization', `Bearer ${token}`);
      if (slug) req.set('x-tenant-id', slug);
      return req;
    };
    return {
      get: (path: string) => auth(t.http().get(`/api/v1${path}`)),
      post: (path: string, body: object) => auth(t.http().post(`/api/v1${path}`)).send(body),
      patch: (path: string, body: object) => auth(t.http().patch(`/api/v1${path}`)).send(body),
      delete: (path: string) => auth(t.http().delete(`/api/v1${path}`)),
    };
  };
  /** Requests with an API key only: no bearer, no tenant header unless given. */
  const withKey = (key: string, headers: Record<string, string> = {}) => ({
    get: (path: string) => t.http().get(`/api/v1${path}`).set('x-api-key', key).set(headers),
    post: (path: string, body: object) => t.http().post(`/api/v1${path}`).set('x-api-key', key).set(headers).send(body),
    delete: (path: string) => t.http().delete(`/api/v1${path}`).set('x-api-key', key).set(headers),
  });
  const createKey = async (body: object, tenant: TestTenant = acme): Promise<CreatedKey> =>
    (await as(tenant.token).post('/api-keys', body).expect(201)).body as CreatedKey;
  /** Every key of the tenant: one page of 100 (the most a list gives), checked to hold them all. */
  const listKeys = async (tenant: TestTenant = acme) => {
    const { data, meta } = (await as(tenant.token).get('/api-keys?limit=100').expect(200)).body as {
      data: Record<string, unknown>[];
      meta: { page: number; limit: number; total: number };
    };
    expect(meta).toEqual({ page: 1, limit: 100, total: data.length });
    return data;
  };
  const signIn = async (tenant: TestTenant, email: string, role: string): Promise<string> => {
    const password = `${role}-passphrase-xyz`;
    await as(tenant.token)
      .post('/users', { email, name: `A ${role}`, password, role })
      .expect(201);
    const res = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', tenant.slug)
      .send({ email, password })
      .expect(200);
    return res.body.accessToken as string;
  };

  beforeAll(async () => {
    t = await TestApp.start();
    const platformToken = await t.platformToken();
    [acme, globex] = await Promise.all([
      t.createTenant('acme', platformToken),
      t.createTenant('globex', platformToken),
    ]);
    [managerToken, staffToken] = await Promise.all([
      signIn(acme, 'manager@acme.test', 'manager'),
      signIn(acme, 'staff@acme.test', 'staff'),
    ]);
    await as(acme.token).post('/leads', { name: 'Road Runner', company: 'Acme' }).expect(201);
    await as(globex.token).post('/leads', { name: 'Hank Scorpio', company: 'Globex' }).expect(201);
  });
  afterAll(() => t?.stop());

  it('creates a key that is shown once and stored only as a hash', async () => {
    const created = await as(acme.token)
      .post('/api-keys', { name: 'Zapier sync', scopes: ['leads:read'] })
      .expect(201);
    // The key is shown this once: no cache may keep the answer.
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.headers.pragma).toBe('no-cache');
    expect(created.headers.location).toBe(`/api/v1/api-keys/${created.body.id}`);
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID),
      name: 'Zapier sync',
      scopes: ['leads:read'],
      key: expect.any(String),
      expiresAt: null,
    });
    const { id, key } = created.body as CreatedKey;
    expect(key).toMatch(new RegExp(`^tsk\\.${acme.slug}\\.[A-Za-z0-9_-]{43}$`));
    const secret = key.split('.').pop()!;

    const list = await listKeys();
    const item = list.find((k) => k.id === id)!;
    expect(item).toMatchObject({
      id,
      name: 'Zapier sync',
      scopes: ['leads:read'],
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(typeof item.keyPrefix).toBe('string');
    expect(key.startsWith(item.keyPrefix as string)).toBe(true);
    expect((item.keyPrefix as string).length).toBeLessThanOrEqual(key.length - 32); // at most a few characters of the secret
    for (const k of list) {
      expect(k).not.toHaveProperty('key');
      expect(k).not.toHaveProperty('keyHash');
      expect(k).not.toHaveProperty('key_hash');
    }
    const listText = JSON.stringify(list);
    expect(listText).not.toContain(key);
    expect(listText).not.toContain(secret.slice(8));

    const rows = await t.sql<{ key_hash: string; row: string }>(
      'select key_hash, row_to_json(k)::text as row from api_keys k where id = $1',
      [id],
      acme.dbName,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].key_hash).not.toBe(key);
    expect(rows[0].key_hash).not.toContain(secret);
    expect(rows[0].key_hash).toBe(createHash('sha256').update(key).digest('base64url'));
    expect(rows[0].row).not.toContain(secret.slice(8)); // no column holds the secret
    expect(await t.sql('select id from api_keys', [], globex.dbName)).toEqual([]);
  });

  it("authenticates with X-API-Key alone, the tenant taken from the key, and sees that tenant's data only", async () => {
    const { key } = await createKey({ name: 'reader', scopes: ['leads:read'] });
    const res = await withKey(key).get('/leads').expect(200);
    expect(res.body.data.map((l: { name: string }) => l.name)).toEqual(['Road Runner']);
    const withHeader = await withKey(key, { 'x-tenant-id': acme.slug }).get('/leads').expect(200);
    expect(withHeader.body.meta.total).toBe(1);
    await withKey(key).get(`/leads/${res.body.data[0].id}`).expect(200);
    await withKey(key, { host: `${acme.slug}.tessera.test` })
      .get('/leads')
      .expect(200);
  });

  describe('scopes: a key may do only what its scopes allow (403 otherwise)', () => {
    let reader: CreatedKey;
    let writer: CreatedKey;
    let writeOnly: CreatedKey;
    let directory: CreatedKey;
    beforeAll(async () => {
      reader = await createKey({ name: 'reader', scopes: ['leads:read'] });
      writer = await createKey({ name: 'writer', scopes: ['leads:read', 'leads:write'] });
      writeOnly = await createKey({ name: 'write only', scopes: ['leads:write'] });
      directory = await createKey({ name: 'directory', scopes: ['users:read'] });
    });

    it('a leads:read key cannot create leads', async () => {
      expectProblem(await withKey(reader.key).post('/leads', { name: 'From a reader' }), 403, /\/forbidden$/);
    });

    it('a leads:read key cannot list users', async () => {
      expectProblem(await withKey(reader.key).get('/users'), 403, /\/forbidden$/);
    });

    it('a leads:write key creates leads in its tenant', async () => {
      const lead = await withKey(writer.key).post('/leads', { name: 'From a writer' }).expect(201);
      expect(lead.body).toMatchObject({ name: 'From a writer', status: 'new' });
      expect(await t.sql('select name from leads where id = $1', [lead.body.id], acme.dbName)).toEqual([
        { name: 'From a writer' },
      ]);
    });

    it('a leads:write key alone cannot read leads', async () => {
      await withKey(writeOnly.key).get('/leads').expect(403);
    });

    it('a users:read key lists the users, without password hashes', async () => {
      const list = await withKey(directory.key).get('/users').expect(200);
      expect(list.body.data.map((u: { email: string }) => u.email)).toContain(acme.admin.email);
      for (const u of list.body.data) expect(u).not.toHaveProperty('passwordHash');
    });

    it('a users:read key cannot create users', async () => {
      await withKey(directory.key)
        .post('/users', {
          email: 'sneaky@acme.test',
          name: 'Sneaky',
          password: 'sneaky-passphrase',
          role: 'company_admin',
        })
        .expect(403);
    });

    it('a users:read key cannot read leads', async () => {
      await withKey(directory.key).get('/leads').expect(403);
    });
  });

  describe('a key with every scope never opens key management, platform routes or session routes', () => {
    let all: CreatedKey;
    beforeAll(async () => {
      all = await createKey({
        name: 'everything',
        scopes: ['leads:read', 'leads:write', 'deals:read', 'deals:write', 'reports:read', 'users:read'],
      });
    });

    it('cannot list keys (403)', async () => {
      expectProblem(await withKey(all.key).get('/api-keys'), 403);
    });

    it('cannot create a key (403)', async () => {
      expectProblem(await withKey(all.key).post('/api-keys', { name: 'child', scopes: ['leads:read'] }), 403);
    });

    it('cannot revoke a key, itself included (403)', async () => {
      expectProblem(await withKey(all.key).delete(`/api-keys/${all.id}`), 403);
    });

    it('cannot reach platform routes (403)', async () => {
      expectProblem(await withKey(all.key).get('/platform/tenants'), 403);
      expectProblem(await withKey(all.key).get(`/platform/tenants/${acme.slug}`), 403);
    });

    it('cannot use session routes (403)', async () => {
      await withKey(all.key).get('/auth/me').expect(403);
      await withKey(all.key).post('/auth/logout', {}).expect(403);
    });

    it('reads leads: the key itself is fine', async () => {
      await withKey(all.key).get('/leads').expect(200);
    });
  });

  it('binds the key to its tenant: another tenant by header or sub-domain is a 403', async () => {
    const { key } = await createKey({ name: 'bound', scopes: ['leads:read'] });
    const byHeader = await withKey(key, { 'x-tenant-id': globex.slug }).get('/leads');
    expectProblem(byHeader, 403);
    expect(JSON.stringify(byHeader.body)).not.toContain('Hank Scorpio');
    expectProblem(await withKey(key, { host: `${globex.slug}.tessera.test` }).get('/leads'), 403);
  });

  describe('keys that are not what they claim: 401 (404 for a tenant that does not exist)', () => {
    let key: string;
    let prefix: string;
    let slug: string;
    let secret: string;
    beforeAll(async () => {
      ({ key } = await createKey({ name: 'original', scopes: ['leads:read'] }));
      [prefix, slug, secret] = key.split('.');
    });

    it('refuses the key with the first character of its secret changed (401 invalid-api-key)', async () => {
      const flipped = `${secret[0] === 'A' ? 'B' : 'A'}${secret.slice(1)}`;
      expectProblem(await withKey(`${prefix}.${slug}.${flipped}`).get('/leads'), 401, /\/invalid-api-key$/);
    });

    it('refuses the key with the last character of its secret changed', async () => {
      const lastFlipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
      expectProblem(await withKey(`${prefix}.${slug}.${lastFlipped}`).get('/leads'), 401);
    });

    it("refuses the secret relabelled as another tenant's, with or without that tenant's header", async () => {
      // acme's secret relabelled as globex's: globex has no such key.
      expectProblem(await withKey(`tsk.${globex.slug}.${secret}`).get('/leads'), 401);
      expectProblem(await withKey(`tsk.${globex.slug}.${secret}`, { 'x-tenant-id': globex.slug }).get('/leads'), 401);
    });

    it('refuses a key naming a tenant that does not exist (401 or 404, problem+json)', async () => {
      const ghost = await withKey(`tsk.ghost-${t.id}.${secret}`).get('/leads');
      expect([401, 404]).toContain(ghost.status);
      expect(ghost.headers['content-type']).toContain('application/problem+json');
    });

    it.each([
      ['garbage', () => 'garbage'],
      ['tsk', () => 'tsk'],
      ['tsk.<slug>', () => `tsk.${slug}`],
      ['tsk.<slug>.short', () => `tsk.${slug}.short`],
      ['tsk..<secret>', () => `tsk..${secret}`],
      ['TSK.<slug>.<secret>', () => `TSK.${slug}.${secret}`],
      ['tsk.<SLUG>.<secret>', () => `tsk.${slug.toUpperCase()}.${secret}`],
      ['<key>x', () => `${key}x`],
      ['x<key>', () => `x${key}`],
      ['tsk.<slug>.<secret>.more', () => `tsk.${slug}.${secret}.more`],
    ])('refuses the malformed key %s', async (_label, garbage) => {
      expectProblem(await withKey(garbage()).get('/leads'), 401);
    });

    it('still takes the original key', async () => {
      await withKey(key).get('/leads').expect(200);
    });
  });

  describe('revoking a key: at once (204, then 401), only through its own tenant', () => {
    let id: string;
    let key: string;
    beforeAll(async () => {
      ({ id, key } = await createKey({ name: 'to revoke', scopes: ['leads:read'] }));
      await withKey(key).get('/leads').expect(200); // used (and cached) before the revocation
    });

    it("is not for another tenant's admin (404), and the key keeps working", async () => {
      await as(globex.token).delete(`/api-keys/${id}`).expect(404);
      await withKey(key).get('/leads').expect(200);
    });

    describe('once revoked by its own tenant (204)', () => {
      beforeAll(async () => {
        await as(acme.token).delete(`/api-keys/${id}`).expect(204);
      });

      it('stops the key at once (401 invalid-api-key)', async () => {
        expectProblem(await withKey(key).get('/leads'), 401, /\/invalid-api-key$/);
      });

      it('lists the key with its revokedAt', async () => {
        const item = (await listKeys()).find((k) => k.id === id)!;
        expect(item.revokedAt).toEqual(expect.any(String));
      });
    });

    it('answers 404 for a key that does not exist', async () => {
      await as(acme.token).delete('/api-keys/00000000-0000-4000-8000-000000000000').expect(404);
    });

    it('answers 400 for an id that is not a UUID', async () => {
      await as(acme.token).delete('/api-keys/not-a-uuid').expect(400);
    });
  });

  it('expires a key at its expiresAt (works before, 401 after)', async () => {
    const expiresAt = new Date(Date.now() + 2000).toISOString();
    const created = await createKey({ name: 'short-lived', scopes: ['leads:read'], expiresAt });
    expect(created.expiresAt).toBe(expiresAt);
    await withKey(created.key).get('/leads').expect(200);
    await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 300);
    expectProblem(await withKey(created.key).get('/leads'), 401, /\/invalid-api-key$/);
  });

  it.each([
    [
      'expiresAt in the past',
      { name: 'old', scopes: ['leads:read'], expiresAt: new Date(Date.now() - 60_000).toISOString() },
      'expiresAt',
    ],
    ['expiresAt not a date', { name: 'bad date', scopes: ['leads:read'], expiresAt: 'tomorrow' }, 'expiresAt'],
    ['an unknown scope', { name: 'admin', scopes: ['leads:read', 'admin:all'] }, 'scopes'],
    ['no scopes', { name: 'none', scopes: [] }, 'scopes'],
    ['a repeated scope', { name: 'twice', scopes: ['leads:read', 'leads:read'] }, 'scopes'],
    ['scopes not an array', { name: 'string', scopes: 'leads:read' }, 'scopes'],
    ['no name', { scopes: ['leads:read'] }, 'name'],
    ['an unknown body field', { name: 'extra', scopes: ['leads:read'], role: 'company_admin' }, 'role'],
    ['a client-chosen key', { name: 'chosen', scopes: ['leads:read'], key: `tsk.x.${'a'.repeat(43)}` }, 'key'],
  ])('rejects %s (400 with a field error)', async (_label, body, field) => {
    const before = (await t.sql<{ n: number }>('select count(*)::int as n from api_keys', [], acme.dbName))[0].n;
    const res = await as(acme.token).post('/api-keys', body);
    expectProblem(res, 400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await t.sql<{ n: number }>('select count(*)::int as n from api_keys', [], acme.dbName))[0].n).toBe(before);
  });

  it('lets only company_admin manage keys (manager and staff: 403), each tenant its own', async () => {
    const { id } = await createKey({ name: 'admin made', scopes: ['leads:read'] });
    for (const token of [managerToken, staffToken]) {
      expectProblem(await as(token).post('/api-keys', { name: 'mine', scopes: ['leads:read'] }), 403, /\/forbidden$/);
      expectProblem(await as(token).get('/api-keys'), 403);
      expectProblem(await as(token).delete(`/api-keys/${id}`), 403);
    }
    await as(managerToken).get('/leads').expect(200); // the roles themselves work
    const globexKeys = await listKeys(globex);
    expect(globexKeys.map((k) => k.id)).not.toContain(id);
    await as(acme.token, globex.slug).get('/api-keys').expect(403);
  });

  it("stops a key when its creator's account is deactivated", async () => {
    const admin2Token = await signIn(acme, 'second-admin@acme.test', 'company_admin');
    const created = (
      await as(admin2Token)
        .post('/api-keys', { name: 'second admin key', scopes: ['leads:read'] })
        .expect(201)
    ).body as CreatedKey;
    await withKey(created.key).get('/leads').expect(200);
    const me = await as(admin2Token).get('/auth/me').expect(200);
    await as(acme.token).delete(`/users/${me.body.id}`).expect(204);
    expectProblem(await withKey(created.key).get('/leads'), 401, /\/invalid-api-key$/);
  });

  describe("a key clamped to its creator's current role", () => {
    let creatorId: string;
    let created: CreatedKey;
    let own: string;
    let others: string[];
    beforeAll(async () => {
      const creatorToken = await signIn(acme, 'demoted-admin@acme.test', 'company_admin');
      creatorId = (await as(creatorToken).get('/auth/me').expect(200)).body.id as string;
      created = (
        await as(creatorToken)
          .post('/api-keys', { name: 'integration', scopes: ['users:read', 'leads:read', 'leads:write'] })
          .expect(201)
      ).body as CreatedKey;
      own = (await withKey(created.key).post('/leads', { name: 'Made by the key', company: 'Acme' }).expect(201)).body
        .id as string;
      others = await Promise.all(
        [1, 2].map(
          async (i) =>
            (
              await as(acme.token)
                .post('/leads', { name: `Not theirs ${i}`, company: 'Acme' })
                .expect(201)
            ).body.id as string,
        ),
      );
    });

    it('lists users while its creator is a company admin', async () => {
      await withKey(created.key).get('/users').expect(200);
    });

    describe('once its creator is demoted to staff', () => {
      beforeAll(async () => {
        await as(acme.token).patch(`/users/${creatorId}`, { role: 'staff' }).expect(200);
      });

      it('lists no users (403), not even once among 10 requests at once', async () => {
        const listings = await Promise.all(Array.from({ length: 10 }, () => withKey(created.key).get('/users')));
        for (const res of listings) expectProblem(res, 403, /\/forbidden$/);
      });

      it("deletes nothing, another's lead or its own (403)", async () => {
        expectProblem(await withKey(created.key).delete(`/leads/${others[0]}`), 403, /\/forbidden$/);
        expectProblem(await withKey(created.key).delete(`/leads/${own}`), 403, /\/forbidden$/);
        const rows = await t.sql<{ n: string }>(
          'select count(*) as n from leads where id = any($1)',
          [[own, ...others]],
          acme.dbName,
        );
        expect(Number(rows[0].n)).toBe(3); // nothing was deleted
      });

      it('sees only its own leads', async () => {
        const seen = (await withKey(created.key).get('/leads?limit=100').expect(200)).body.data as {
          id: string;
          ownerId: string;
        }[];
        expect(seen.map((l) => l.id)).toEqual([own]);
        await withKey(created.key).get(`/leads/${others[1]}`).expect(404);
      });
    });

    describe('once its creator is promoted back to company admin', () => {
      beforeAll(async () => {
        await as(acme.token).patch(`/users/${creatorId}`, { role: 'company_admin' }).expect(200);
      });

      it('lists users again', async () => {
        await withKey(created.key).get('/users').expect(200);
      });

      it('sees every lead again', async () => {
        expect(
          ((await withKey(created.key).get('/leads?limit=100').expect(200)).body.data as unknown[]).length,
        ).toBeGreaterThan(1);
      });

      it('deletes again (204)', async () => {
        await withKey(created.key).delete(`/leads/${others[0]}`).expect(204);
      });
    });
  });

  it('lets a bearer token win over a key sent with it (no privilege mixing)', async () => {
    const { key } = await createKey({ name: 'directory', scopes: ['users:read'] });
    await withKey(key).get('/users').expect(200);
    await t.http().get('/api/v1/users').set('authorization', `Bearer ${staffToken}`).set('x-api-key', key).expect(403);
    await t.http().get('/api/v1/users').set('authorization', 'Bearer garbage').set('x-api-key', key).expect(401);
  });

  it('records lastUsedAt once the key is used', async () => {
    const { id, key } = await createKey({ name: 'tracked', scopes: ['leads:read'] });
    expect((await listKeys()).find((k) => k.id === id)!.lastUsedAt).toBeNull();
    const before = Date.now();
    await withKey(key).get('/leads').expect(200);
    let lastUsedAt: unknown = null;
    for (const deadline = Date.now() + 3000; lastUsedAt === null && Date.now() < deadline;) {
      await sleep(50);
      lastUsedAt = (await listKeys()).find((k) => k.id === id)!.lastUsedAt;
    }
    expect(lastUsedAt).toEqual(expect.any(String));
    expect(Date.parse(lastUsedAt as string)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(lastUsedAt as string)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  describe('lists keys in pages like every other list (page, limit, sort; {data, meta})', () => {
    const ids = async (tenant: TestTenant) =>
      (await t.sql<{ id: string }>('select id from api_keys', [], tenant.dbName)).map((r) => r.id).sort();
    const page = async (query: string, tenant: TestTenant = acme) =>
      (await as(tenant.token).get(`/api-keys${query}`).expect(200)).body as {
        data: { id: string; name: string; createdAt: string }[];
        meta: { page: number; limit: number; total: number };
      };
    beforeAll(async () => {
      for (const name of ['list bravo', 'list alpha', 'list charlie'])
        await createKey({ name, scopes: ['leads:read'] });
      await createKey({ name: 'list globex', scopes: ['leads:read'] }, globex);
    });

    it("shows a tenant its own keys only, never another tenant's, with the total of its own", async () => {
      const [acmeIds, globexIds] = [await ids(acme), await ids(globex)];
      expect(acmeIds.length).toBeGreaterThan(3);
      expect(globexIds.length).toBeGreaterThan(0);
      const acmeList = await page('?limit=100');
      const globexList = await page('?limit=100', globex);
      expect(acmeList.data.map((k) => k.id).sort()).toEqual(acmeIds);
      expect(globexList.data.map((k) => k.id).sort()).toEqual(globexIds);
      expect(acmeList.meta.total).toBe(acmeIds.length);
      expect(globexList.meta.total).toBe(globexIds.length);
      expect(acmeList.data.map((k) => k.name)).not.toContain('list globex');
    });

    it('answers 20 newest first by default, then pages by page and limit', async () => {
      const all = await page('?limit=100');
      const byDefault = await page('');
      expect(byDefault.meta).toEqual({ page: 1, limit: 20, total: all.meta.total });
      expect(byDefault.data.map((k) => k.id)).toEqual(all.data.slice(0, 20).map((k) => k.id));
      const created = all.data.map((k) => Date.parse(k.createdAt));
      expect(created).toEqual([...created].sort((a, b) => b - a));
      const first = await page('?limit=2&page=1');
      const second = await page('?limit=2&page=2');
      expect(first.meta).toEqual({ page: 1, limit: 2, total: all.meta.total });
      expect(second.meta).toEqual({ page: 2, limit: 2, total: all.meta.total });
      expect([...first.data, ...second.data].map((k) => k.id)).toEqual(all.data.slice(0, 4).map((k) => k.id));
      const past = await page(`?limit=2&page=${Math.ceil(all.meta.total / 2) + 1}`);
      expect(past.data).toEqual([]);
      expect(past.meta.total).toBe(all.meta.total);
    });

    it('sorts by an allowed field, ascending or with - descending', async () => {
      const names = (await page('?limit=100&sort=name')).data.map((k) => k.name);
      const listed = (of: string[]) => of.filter((name) => name.startsWith('list ') && name !== 'list globex');
      expect(listed(names)).toEqual(['list alpha', 'list bravo', 'list charlie']);
      const reversed = (await page('?limit=100&sort=-name')).data.map((k) => k.name);
      expect(listed(reversed)).toEqual(['list charlie', 'list bravo', 'list alpha']);
      await as(acme.token).get('/api-keys?sort=-createdAt').expect(200);
    });

    it.each([
      ['a sort field outside the list', '?sort=keyHash', 'sort'],
      ['a sort that is not a field name', '?sort=name;drop', 'sort'],
      ['a limit above 100', '?limit=101', 'limit'],
      ['limit 0', '?limit=0', 'limit'],
      ['a limit that is not a number', '?limit=ten', 'limit'],
      ['page 0', '?page=0', 'page'],
    ])('refuses %s with 400 problem+json naming the parameter', async (_label, query, field) => {
      const res = await as(acme.token).get(`/api-keys${query}`);
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });
});
