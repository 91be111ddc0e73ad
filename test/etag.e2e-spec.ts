import { TestApp, TestTenant } from './support/test-app';

type Kind = 'lead' | 'deal' | 'user';

interface Resource {
  path: string;
  table: string;
  /** The text column a PATCH changes. */
  column: string;
  body: (n: number) => object;
  patch: (value: string) => object;
}

const RESOURCES: Record<Kind, Resource> = {
  lead: {
    path: '/leads',
    table: 'leads',
    column: 'name',
    body: (n) => ({ name: `Lead ${n}` }),
    patch: (name) => ({ name }),
  },
  deal: {
    path: '/deals',
    table: 'deals',
    column: 'title',
    body: (n) => ({ title: `Deal ${n}`, amount: '100.00', currency: 'USD' }),
    patch: (title) => ({ title }),
  },
  user: {
    path: '/users',
    table: 'users',
    column: 'name',
    body: (n) => ({ email: `etag-${n}@etag.test`, name: `User ${n}`, password: 'etag-user-passphrase', role: 'staff' }),
    patch: (name) => ({ name }),
  },
};
const KINDS = Object.keys(RESOURCES) as Kind[];
const ETAG = /^"[A-Za-z0-9_-]{27}"$/;

describe('Optimistic concurrency: ETag, If-None-Match and If-Match (two tenants)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let seq = 0;

  const as = (tenant: TestTenant = acme) => t.as(tenant.token, tenant.slug);
  const create = async (kind: Kind, tenant: TestTenant = acme) => {
    const res = await as(tenant).post(RESOURCES[kind].path, RESOURCES[kind].body(++seq)).expect(201);
    return {
      id: res.body.id as string,
      etag: res.headers.etag as string,
      url: `${RESOURCES[kind].path}/${res.body.id}`,
    };
  };
  const stored = async (kind: Kind, id: string, tenant: TestTenant = acme) => {
    const { table, column } = RESOURCES[kind];
    return t.sql<Record<string, unknown>>(`select * from ${table} where id = $1`, [id], tenant.dbName).then((rows) => ({
      row: rows[0],
      value: rows[0]?.[column],
    }));
  };

  beforeAll(async () => {
    t = await TestApp.start();
    const pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
  });
  afterAll(() => t?.stop());

  describe.each(KINDS)('a %s', (kind) => {
    it('carries the same strong ETag on its create answer and on every GET while it is unchanged', async () => {
      const { url, etag } = await create(kind);
      expect(etag).toMatch(ETAG);
      const first = await as().get(url).expect(200);
      const second = await as().get(url).expect(200);
      expect([first.headers.etag, second.headers.etag]).toEqual([etag, etag]);
    });

    it('gets a new ETag from a PATCH, which its PATCH answer and the next GET carry', async () => {
      const { url, etag } = await create(kind);
      const patched = await as()
        .patch(url, RESOURCES[kind].patch(`Renamed ${++seq}`))
        .expect(200);
      expect(patched.headers.etag).toMatch(ETAG);
      expect(patched.headers.etag).not.toBe(etag);
      expect((await as().get(url).expect(200)).headers.etag).toBe(patched.headers.etag);
    });

    it('answers a GET whose If-None-Match still matches with an empty 304 carrying the ETag, and 200 after a change', async () => {
      const { url, etag } = await create(kind);
      const unchanged = await as().get(url).set('if-none-match', etag).expect(304);
      expect(unchanged.text).toBe('');
      expect(unchanged.headers.etag).toBe(etag);
      await as()
        .patch(url, RESOURCES[kind].patch(`Changed ${++seq}`))
        .expect(200);
      const changed = await as().get(url).set('if-none-match', etag).expect(200);
      expect(changed.body.id).toBe(url.split('/')[2]);
      expect(changed.headers.etag).not.toBe(etag);
    });

    it('refuses a PATCH with a stale If-Match with 412, writing nothing and auditing no success', async () => {
      const { id, url, etag } = await create(kind);
      const accepted = `etag-first-${kind}-${++seq}`;
      await as()
        .patch(url, RESOURCES[kind].patch(`First ${seq}`))
        .set('x-request-id', accepted)
        .expect(200);
      const before = await stored(kind, id);
      const requestId = `etag-stale-${kind}-${++seq}`;
      const res = await as()
        .patch(url, RESOURCES[kind].patch('Stale write'))
        .set('if-match', etag)
        .set('x-request-id', requestId)
        .expect(412);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.type).toMatch(/\/precondition-failed$/);
      expect(await stored(kind, id)).toEqual(before);
      const trail = await as().get(`/audit-logs?entityId=${id}&outcome=success&limit=100`).expect(200);
      const requestIds = (trail.body.data as { requestId: string }[]).map((e) => e.requestId);
      expect(requestIds).toContain(accepted);
      expect(requestIds).not.toContain(requestId);
    });

    it('refuses a DELETE with a stale If-Match with 412 and keeps the record', async () => {
      const { id, url, etag } = await create(kind);
      await as()
        .patch(url, RESOURCES[kind].patch(`Moved on ${++seq}`))
        .expect(200);
      const before = await stored(kind, id);
      const res = await as().delete(url).set('if-match', etag).expect(412);
      expect(res.body.type).toMatch(/\/precondition-failed$/);
      expect(await stored(kind, id)).toEqual(before);
      expect(before.row).toBeDefined();
    });

    it('takes a PATCH and a DELETE whose If-Match is the current ETag', async () => {
      const { url, etag } = await create(kind);
      const patched = await as()
        .patch(url, RESOURCES[kind].patch(`Current ${++seq}`))
        .set('if-match', etag)
        .expect(200);
      await as().delete(url).set('if-match', `"elsewhere", ${patched.headers.etag}`).expect(204);
    });

    it('refuses another tenant’s ETag on its id with 404, not 412', async () => {
      const { url, etag } = await create(kind);
      await as(globex).patch(url, RESOURCES[kind].patch('Cross-tenant')).set('if-match', etag).expect(404);
      await as(globex).delete(url).set('if-match', etag).expect(404);
    });

    it('lets exactly one of concurrent editors holding the same If-Match win: 10 rounds of 2, then 20 at once', async () => {
      const { id, url } = await create(kind);
      for (const editors of [...Array<number>(10).fill(2), 20]) {
        const etag = (await as().get(url).expect(200)).headers.etag as string;
        const values = Array.from({ length: editors }, (_, i) => `Editor ${++seq}-${i}`);
        const answers = await Promise.all(
          values.map((value) => as().patch(url, RESOURCES[kind].patch(value)).set('if-match', etag)),
        );
        const statuses = answers.map((a) => a.status).sort();
        expect(statuses).toEqual([200, ...Array<number>(editors - 1).fill(412)]);
        const winner = answers.find((a) => a.status === 200)!;
        expect((await stored(kind, id)).value).toBe(winner.body[RESOURCES[kind].column]);
        expect((await as().get(url).expect(200)).headers.etag).toBe(winner.headers.etag);
      }
    }, 120_000);
  });

  describe('the If-Match and If-None-Match headers', () => {
    it('lets If-Match: * through for any existing record', async () => {
      const { url } = await create('lead');
      await as().patch(url, { name: 'Star' }).set('if-match', '*').expect(200);
    });

    it('compares If-Match strongly: a weak tag never matches', async () => {
      const { url, etag } = await create('lead');
      await as().patch(url, { name: 'Weak' }).set('if-match', `W/${etag}`).expect(412);
    });

    it('compares If-None-Match weakly and reads lists and *', async () => {
      const { url, etag } = await create('deal');
      await as().get(url).set('if-none-match', `W/${etag}`).expect(304);
      await as().get(url).set('if-none-match', `"other", ${etag}`).expect(304);
      await as().get(url).set('if-none-match', '*').expect(304);
      await as().get(url).set('if-none-match', '"other"').expect(200);
    });

    it.each(['abc', '"unterminated', '"a" "b"', '*, "a"', ',', 'W/abc'])(
      'answers a malformed precondition (%s) with 400',
      async (header) => {
        const { url } = await create('lead');
        const patch = await as().patch(url, { name: 'Malformed' }).set('if-match', header).expect(400);
        expect(patch.body.errors).toEqual([expect.objectContaining({ field: 'If-Match' })]);
        const get = await as().get(url).set('if-none-match', header).expect(400);
        expect(get.body.errors).toEqual([expect.objectContaining({ field: 'If-None-Match' })]);
      },
    );

    it('answers HEAD like GET: the ETag, and 304 for a matching If-None-Match', async () => {
      const { url, etag } = await create('lead');
      const head = () =>
        t.http().head(`/api/v1${url}`).set('authorization', `Bearer ${acme.token}`).set('x-tenant-id', acme.slug);
      expect((await head().expect(200)).headers.etag).toBe(etag);
      await head().set('if-none-match', etag).expect(304);
    });

    it('gives lists no ETag', async () => {
      await create('lead');
      const res = await as().get('/leads').expect(200);
      expect(res.headers.etag).toBeUndefined();
    });
  });

  describe('other single-resource answers', () => {
    it('versions GET /auth/me and honours If-None-Match there', async () => {
      const me = await as().get('/auth/me').expect(200);
      expect(me.headers.etag).toMatch(ETAG);
      await as()
        .get('/auth/me')
        .set('if-none-match', me.headers.etag as string)
        .expect(304);
    });

    it('versions GET /platform/tenants/:slug and honours If-None-Match there', async () => {
      const pt = await t.platformToken();
      const get = () => t.http().get(`/api/v1/platform/tenants/${acme.slug}`).set('authorization', `Bearer ${pt}`);
      const tenant = await get().expect(200);
      expect(tenant.headers.etag).toMatch(ETAG);
      await get()
        .set('if-none-match', tenant.headers.etag as string)
        .expect(304);
    });

    it('gives the deal a lead converts into the ETag its GET carries', async () => {
      const lead = await create('lead');
      const deal = await as().post(`${lead.url}/convert`, { amount: '5.00', currency: 'EUR' }).expect(201);
      expect((await as().get(`/deals/${deal.body.id}`).expect(200)).headers.etag).toBe(deal.headers.etag);
    });
  });

  describe('the OpenAPI document', () => {
    type Operation = {
      parameters?: { name: string; in: string }[];
      responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, unknown> }>;
    };
    let paths: Record<string, Record<string, Operation>>;
    beforeAll(async () => {
      paths = (await t.http().get('/docs-json').expect(200)).body.paths;
    });
    const headerParams = (op: Operation) => (op.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);

    it('documents ETag on the single-resource answers and If-None-Match with 304 on their reads', () => {
      for (const path of ['/api/v1/leads/{id}', '/api/v1/deals/{id}', '/api/v1/users/{id}']) {
        expect(paths[path].get.responses['200'].headers).toHaveProperty('ETag');
        expect(paths[path].get.responses['304'].headers).toHaveProperty('ETag');
        expect(headerParams(paths[path].get)).toContain('If-None-Match');
        expect(paths[path].patch.responses['200'].headers).toHaveProperty('ETag');
      }
      for (const path of ['/api/v1/leads', '/api/v1/deals', '/api/v1/users'])
        expect(paths[path].post.responses['201'].headers).toHaveProperty('ETag');
      expect(paths['/api/v1/auth/me'].get.responses['200'].headers).toHaveProperty('ETag');
      expect(paths['/api/v1/platform/tenants/{slug}'].get.responses['200'].headers).toHaveProperty('ETag');
    });

    it('documents If-Match and 412 on PATCH and DELETE of leads, deals and users, keeping the 204 of DELETE', () => {
      for (const path of ['/api/v1/leads/{id}', '/api/v1/deals/{id}', '/api/v1/users/{id}']) {
        for (const method of ['patch', 'delete']) {
          expect(headerParams(paths[path][method])).toContain('If-Match');
          expect(paths[path][method].responses['412'].content).toHaveProperty(['application/problem+json']);
        }
        expect(paths[path].delete.responses).toHaveProperty('204');
      }
    });

    it('documents no ETag on lists', () => {
      expect(paths['/api/v1/leads'].get.responses['200']?.headers).not.toHaveProperty('ETag');
    });
  });
});
