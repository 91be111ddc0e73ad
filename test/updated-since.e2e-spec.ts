import { TestApp, TestTenant } from './support/test-app';

type Kind = 'leads' | 'deals' | 'users';

interface Listed {
  /** A new record of the tenant, its `filter` field set to `value`. */
  body: (n: number, value: string) => object;
  /** A filter of the list that combines with updatedSince, and the two values the test uses. */
  filter: string;
  values: [string, string];
}

const LISTS: Record<Kind, Listed> = {
  leads: {
    body: (n, status) => ({ name: `Synced lead ${n}`, status }),
    filter: 'status',
    values: ['new', 'contacted'],
  },
  deals: {
    body: (n, stage) => ({ title: `Synced deal ${n}`, amount: '1.00', currency: 'USD', stage }),
    filter: 'stage',
    values: ['prospecting', 'proposal'],
  },
  users: {
    body: (n, role) => ({ email: `sync-${n}@sync.test`, name: `Synced ${n}`, password: 'sync-user-passphrase', role }),
    filter: 'role',
    values: ['staff', 'manager'],
  },
};
const KINDS = Object.keys(LISTS) as Kind[];

describe('Incremental sync: updatedSince on the lists of leads, deals and users (two tenants)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let seq = 0;
  /** Each test's records are changed in a year of their own, after anything else in the tenants. */
  let year = 2100;

  const as = (tenant: TestTenant) => t.as(tenant.token, tenant.slug);

  /** Creates a record and stamps its updated_at behind the API's back. */
  async function recordAt(tenant: TestTenant, kind: Kind, updatedAt: string, value = LISTS[kind].values[0]) {
    const res = await as(tenant).post(`/${kind}`, LISTS[kind].body(++seq, value)).expect(201);
    await t.sql(`update ${kind} set updated_at = $1 where id = $2`, [updatedAt, res.body.id], tenant.dbName);
    return res.body.id as string;
  }
  const listed = async (tenant: TestTenant, kind: Kind, query: string) => {
    const res = await as(tenant).get(`/${kind}?${query}`).expect(200);
    return { ids: (res.body.data as { id: string }[]).map((r) => r.id), total: res.body.meta.total as number };
  };

  beforeAll(async () => {
    t = await TestApp.start();
    const pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
  });
  afterAll(() => t?.stop());

  describe.each(KINDS)('GET /%s', (kind) => {
    it('keeps the records changed at or after updatedSince: the boundary is inclusive to the millisecond', async () => {
      const at = `${++year}-06-01T12:00:00.000Z`;
      const before = await recordAt(acme, kind, `${year}-06-01T11:59:59.999Z`);
      const onTime = await recordAt(acme, kind, at);
      const after = await recordAt(acme, kind, `${year}-06-01T12:00:00.001Z`);
      const found = await listed(acme, kind, `updatedSince=${encodeURIComponent(at)}&sort=createdAt`);
      expect(found).toEqual({ ids: [onTime, after], total: 2 });
      expect(found.ids).not.toContain(before);
    });

    it('reads updatedSince with an offset as the same instant', async () => {
      const onTime = await recordAt(acme, kind, `${++year}-06-01T12:00:00.000Z`);
      const found = await listed(acme, kind, `updatedSince=${encodeURIComponent(`${year}-06-01T14:00:00+02:00`)}`);
      expect(found.ids).toEqual([onTime]);
    });

    it('combines updatedSince with a filter, the sort and the pages', async () => {
      const [first, second] = LISTS[kind].values;
      const since = `${++year}-01-01T00:00:00Z`;
      const older = await recordAt(acme, kind, `${year - 1}-12-31T23:59:59Z`, second);
      const a = await recordAt(acme, kind, `${year}-02-01T00:00:00Z`, second);
      await recordAt(acme, kind, `${year}-03-01T00:00:00Z`, first);
      const b = await recordAt(acme, kind, `${year}-04-01T00:00:00Z`, second);
      const query = `updatedSince=${since}&${LISTS[kind].filter}=${second}&sort=-createdAt`;
      expect(await listed(acme, kind, `${query}&limit=1&page=1`)).toEqual({ ids: [b], total: 2 });
      expect(await listed(acme, kind, `${query}&limit=1&page=2`)).toEqual({ ids: [a], total: 2 });
      expect((await listed(acme, kind, query)).ids).not.toContain(older);
    });

    it('lists only the tenant’s own changes', async () => {
      const at = `${++year}-06-01T00:00:00Z`;
      const mine = await recordAt(acme, kind, at);
      const theirs = await recordAt(globex, kind, at);
      expect((await listed(acme, kind, `updatedSince=${at}`)).ids).toEqual([mine]);
      expect((await listed(globex, kind, `updatedSince=${at}`)).ids).toEqual([theirs]);
    });

    it.each([
      'yesterday',
      '2026-13-01',
      '2026-13-01T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-01-01',
      '2026-01-01T00:00:00',
      '2026-01-01T24:00:00Z',
      '2026-W01-1T00:00:00Z',
      '+02026-01-01T00:00:00Z',
      '99999999999999999999',
      '1767225600000',
      '',
    ])('answers updatedSince=%p with 400 naming the parameter', async (value) => {
      const res = await as(acme)
        .get(`/${kind}?updatedSince=${encodeURIComponent(value)}`)
        .expect(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'updatedSince' })]);
    });
  });

  it('documents updatedSince as a date-time query parameter of the three lists', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, { get: { parameters: { name: string; in: string; schema?: { format?: string } }[] } }>;
    };
    for (const kind of KINDS) {
      expect(doc.paths[`/api/v1/${kind}`].get.parameters).toContainEqual(
        expect.objectContaining({
          name: 'updatedSince',
          in: 'query',
          schema: expect.objectContaining({ format: 'date-time' }),
        }),
      );
    }
  });
});
