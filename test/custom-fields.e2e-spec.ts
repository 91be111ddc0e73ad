import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { TestApp, TestTenant } from './support/test-app';
import { until } from './support/wait';
import { binary, ndjson, unzip } from './support/zip';

type Body = Record<string, unknown>;

/**
 * Custom fields (issue 16): definitions per tenant, values on leads and deals validated against
 * them, filters and sort on indexed fields through cf_ expression indexes, type changes that never
 * leave a misfit value, archive / restore / purge, the plan's limit and feature. Two tenants:
 * acme defines fields; globex defines its own and never sees acme's.
 */
describe('custom fields (two tenants)', () => {
  let t: TestApp;
  let pt: string;
  let acme: TestTenant;
  let globex: TestTenant;
  let staff: string;
  let manager: string;

  const as = (tenant: TestTenant, token = tenant.token) => t.as(token, tenant.slug);
  const define = (tenant: TestTenant, body: Body) => as(tenant).post('/custom-fields', body);
  const rows = <T = Body>(tenant: TestTenant, sql: string, params: unknown[] = []) =>
    t.sql<T>(sql, params, tenant.dbName);
  const indexReady = (tenant: TestTenant, entity: string, key: string) =>
    until(`index of ${entity}.${key}`, async () => {
      const res = await as(tenant).get(`/custom-fields/${entity}/${key}`).expect(200);
      if (res.body.indexStatus === 'failed') throw new Error(`index failed: ${res.body.indexError}`);
      return res.body.indexStatus === 'ready' ? res.body : undefined;
    });
  const errorFields = (res: { body: { errors?: { field: string }[] } }) => (res.body.errors ?? []).map((e) => e.field);

  async function userToken(tenant: TestTenant, role: string): Promise<string> {
    const email = `${role}@${tenant.slug}.test`;
    const password = `${role}-pass-phrase-1`;
    await as(tenant).post('/users', { email, name: role, password, role }).expect(201);
    const login = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', tenant.slug)
      .send({ email, password })
      .expect(200);
    return login.body.accessToken as string;
  }

  beforeAll(async () => {
    t = await TestApp.start({ TENANT_RATE_LIMIT_RPS: '0' });
    pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
    [staff, manager] = await Promise.all([userToken(acme, 'staff'), userToken(acme, 'manager')]);
    const fields: Body[] = [
      { key: 'notes', label: 'Notes', type: 'text' },
      { key: 'seats', label: 'Seats', type: 'number', indexed: true },
      { key: 'budget', label: 'Budget', type: 'money', indexed: true },
      { key: 'renewal', label: 'Renewal', type: 'date', indexed: true },
      { key: 'vip', label: 'VIP', type: 'boolean', indexed: true },
      { key: 'tier', label: 'Tier', type: 'select', options: ['gold', 'silver', 'bronze'], indexed: true },
      { key: 'tags', label: 'Tags', type: 'multiselect', options: ['a', 'b', 'c'], indexed: true },
      { key: 'contact', label: 'Contact', type: 'email' },
      { key: 'site', label: 'Site', type: 'url' },
      { key: 'code', label: 'Code', type: 'text', indexed: true, unique: true },
    ];
    for (const field of fields) await define(acme, { entity: 'lead', ...field }).expect(201);
    await define(globex, { entity: 'lead', key: 'region', label: 'Region', type: 'text' }).expect(201);
    for (const key of ['seats', 'budget', 'renewal', 'vip', 'tier', 'tags', 'code'])
      await indexReady(acme, 'lead', key);
  });
  afterAll(() => t?.stop());

  describe('definitions', () => {
    it('creates a definition with 201, Location and ETag', async () => {
      const res = await define(acme, { entity: 'deal', key: 'po_number', label: 'PO', type: 'text' }).expect(201);
      expect(res.headers.location).toBe('/api/v1/custom-fields/deal/po_number');
      expect(res.headers.etag).toBeDefined();
      expect(res.body).toMatchObject({ entity: 'deal', key: 'po_number', type: 'text', indexStatus: 'none' });
    });

    it('lists definitions in the list shape, each tenant only its own', async () => {
      const mine = await as(acme).get('/custom-fields?entity=lead&limit=100').expect(200);
      expect(mine.body.meta).toMatchObject({ page: 1, limit: 100, total: 10 });
      expect(mine.body.data.map((f: Body) => f.key)).not.toContain('region');
      const theirs = await as(globex).get('/custom-fields').expect(200);
      expect(theirs.body.data.map((f: Body) => f.key)).toEqual(['region']);
      await as(globex).get('/custom-fields/lead/seats').expect(404);
    });

    it('lets staff and managers read definitions but not manage them (403)', async () => {
      await as(acme, staff).get('/custom-fields').expect(200);
      await as(acme, manager).get('/custom-fields').expect(200);
      const body = { entity: 'lead', key: 'nope', label: 'Nope', type: 'text' };
      await as(acme, staff).post('/custom-fields', body).expect(403);
      await as(acme, manager).post('/custom-fields', body).expect(403);
      await as(acme, manager).patch('/custom-fields/lead/notes', { label: 'x' }).expect(403);
      await as(acme, staff).delete('/custom-fields/lead/notes').expect(403);
    });

    it('refuses the platform super admin (403)', async () => {
      await t
        .http()
        .get('/api/v1/custom-fields')
        .set('authorization', `Bearer ${pt}`)
        .set('x-tenant-id', acme.slug)
        .expect(403);
    });

    it.each([
      ['a bad key', { key: 'Bad-Key' }, 'key'],
      ['a key too long', { key: `k${'x'.repeat(40)}` }, 'key'],
      ['an unknown type', { type: 'color' }, 'type'],
      ['an unknown entity', { entity: 'user' }, 'entity'],
      ['a null label', { label: null }, 'label'],
      ['a NUL in the label', { label: 'a\u0000b' }, 'label'],
      ['a lone surrogate in the label', { label: 'a\ud800b' }, 'label'],
      ['select without options', { type: 'select' }, 'options'],
      ['options on a number', { type: 'number', options: ['x'] }, 'options'],
      ['options repeated', { type: 'select', options: ['x', 'x'] }, 'options'],
      ['too many options', { type: 'select', options: Array.from({ length: 101 }, (_, i) => `o${i}`) }, 'options'],
      ['an option too long', { type: 'select', options: ['x'.repeat(101)] }, 'options'],
      ['unique without indexed', { unique: true }, 'unique'],
      ['an unknown field', { color: 'red' }, 'color'],
      ['indexed as a string', { indexed: 'yes' }, 'indexed'],
    ])('refuses %s with 400 naming the field', async (_what, change, field) => {
      const res = await define(acme, { entity: 'lead', key: 'bad_one', label: 'Bad', type: 'text', ...change }).expect(
        400,
      );
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(errorFields(res)).toContain(field);
    });

    it('answers 20 concurrent creates of one key with exactly one 201 and 409 for the rest', async () => {
      const body = { entity: 'deal', key: 'raced', label: 'Raced', type: 'number' };
      const statuses = await Promise.all(Array.from({ length: 20 }, () => define(acme, body).then((r) => r.status)));
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(19);
      expect(await rows(acme, `select 1 from custom_fields where entity = 'deal' and key = 'raced'`)).toHaveLength(1);
    });

    it('answers 404 for an unknown definition and 412 for a stale If-Match', async () => {
      await as(acme).patch('/custom-fields/lead/missing', { label: 'x' }).expect(404);
      await as(acme).patch('/custom-fields/person/notes', { label: 'x' }).expect(404);
      const current = await as(acme).get('/custom-fields/lead/notes').expect(200);
      await as(acme)
        .patch('/custom-fields/lead/notes', { label: 'Notes!' })
        .set('if-match', current.headers.etag)
        .expect(200);
      await as(acme)
        .patch('/custom-fields/lead/notes', { label: 'Again' })
        .set('if-match', current.headers.etag)
        .expect(412);
      await as(acme).delete('/custom-fields/lead/notes').set('if-match', current.headers.etag).expect(412);
    });

    it('refuses a change of key or entity (400: not an accepted field)', async () => {
      const res = await as(acme).patch('/custom-fields/lead/notes', { key: 'other' }).expect(400);
      expect(errorFields(res)).toContain('key');
    });
  });

  describe('values', () => {
    const valid: [string, string, unknown][] = [
      ['text', 'notes', 'hello'],
      ['number', 'seats', 12.5],
      ['money', 'budget', '1200.5'],
      ['date', 'renewal', '2028-02-29'],
      ['boolean', 'vip', false],
      ['select', 'tier', 'gold'],
      ['multiselect', 'tags', ['a', 'c']],
      ['email', 'contact', 'x@acme.test'],
      ['url', 'site', 'https://acme.test/a'],
    ];

    it.each(valid)('stores and answers a valid %s value', async (_type, key, value) => {
      const res = await as(acme)
        .post('/leads', { name: `valid ${key}`, customFields: { [key]: value } })
        .expect(201);
      const expected = key === 'budget' ? '1200.50' : value;
      expect(res.body.customFields).toEqual({ [key]: expected });
      const read = await as(acme).get(`/leads/${res.body.id}`).expect(200);
      expect(read.body.customFields).toEqual({ [key]: expected });
    });

    it('stores money as an exact JSON number', async () => {
      const res = await as(acme)
        .post('/leads', { name: 'money', customFields: { budget: '99999999999.99' } })
        .expect(201);
      const [row] = await rows<{ v: string }>(acme, `select custom_fields ->> 'budget' as v from leads where id = $1`, [
        res.body.id,
      ]);
      expect(row.v).toBe('99999999999.99');
    });

    const invalid: [string, string, unknown][] = [
      ['text: a number', 'notes', 5],
      ['text: empty', 'notes', ''],
      ['text: too long', 'notes', 'x'.repeat(2001)],
      ['text: an object', 'notes', { nested: 'x' }],
      ['number: a string', 'seats', '5'],
      ['number: huge', 'seats', 1e300],
      ['number: beyond 1e15', 'seats', 1e16],
      ['money: a number', 'budget', 12.5],
      ['money: three decimals', 'budget', '1.234'],
      ['money: negative', 'budget', '-1.00'],
      ['money: 13 digits', 'budget', '1234567890123'],
      ['date: not a calendar day', 'renewal', '2027-02-29'],
      ['date: a time', 'renewal', '2027-01-01T00:00:00Z'],
      ['boolean: a string', 'vip', 'true'],
      ['select: not an option', 'tier', 'platinum'],
      ['multiselect: a string', 'tags', 'a'],
      ['multiselect: repeated', 'tags', ['a', 'a']],
      ['multiselect: not an option', 'tags', ['z']],
      ['email: not an email', 'contact', 'nobody'],
      ['url: javascript', 'site', 'javascript:alert(1)'],
      ['an unknown key', 'nope', 'x'],
      ['another tenant’s key', 'region', 'x'],
      ['an array of arrays', 'tags', [['a']]],
    ];

    it.each(invalid)('refuses %s with 400 naming customFields.<key>', async (_what, key, value) => {
      const res = await as(acme)
        .post('/leads', { name: 'bad', customFields: { [key]: value } })
        .expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(errorFields(res)).toContain(`customFields.${key}`);
    });

    it.each([
      ['null customFields', null, 'customFields'],
      ['an array as customFields', ['x'], 'customFields'],
      ['a NUL in a value', { notes: 'a\u0000b' }, 'customFields.notes'],
      ['a lone surrogate in a value', { notes: 'a\udc00' }, 'customFields.notes'],
    ])('refuses %s with 400', async (_what, customFields, field) => {
      const res = await as(acme).post('/leads', { name: 'hostile', customFields }).expect(400);
      expect(errorFields(res)).toContain(field);
    });

    it('validates deal values against deal definitions only', async () => {
      const res = await as(acme)
        .post('/deals', { title: 'd', amount: '1.00', currency: 'USD', customFields: { seats: 3 } })
        .expect(400);
      expect(errorFields(res)).toContain('customFields.seats');
      const ok = await as(acme)
        .post('/deals', { title: 'd', amount: '1.00', currency: 'USD', customFields: { po_number: 'PO-1' } })
        .expect(201);
      expect(ok.body.customFields).toEqual({ po_number: 'PO-1' });
    });

    it('keeps other values on PATCH and removes one given as null', async () => {
      const lead = await as(acme)
        .post('/leads', { name: 'patch', customFields: { notes: 'n', seats: 1 } })
        .expect(201);
      const res = await as(acme)
        .patch(`/leads/${lead.body.id}`, { customFields: { seats: null, vip: true } })
        .expect(200);
      expect(res.body.customFields).toEqual({ notes: 'n', vip: true });
    });

    it('requires a required field on create, and refuses null for it on PATCH', async () => {
      await define(acme, { entity: 'deal', key: 'region', label: 'Region', type: 'text', required: true }).expect(201);
      const missing = await as(acme).post('/deals', { title: 'r', amount: '1.00', currency: 'USD' }).expect(400);
      expect(errorFields(missing)).toContain('customFields.region');
      const deal = await as(acme)
        .post('/deals', { title: 'r', amount: '1.00', currency: 'USD', customFields: { region: 'EU' } })
        .expect(201);
      const cleared = await as(acme)
        .patch(`/deals/${deal.body.id}`, { customFields: { region: null } })
        .expect(400);
      expect(errorFields(cleared)).toContain('customFields.region');
      await as(acme).delete('/custom-fields/deal/region').expect(204);
    });

    it("checks a conversion's deal values like a create: a required deal field must be given", async () => {
      await define(acme, { entity: 'deal', key: 'contract', label: 'Contract', type: 'text', required: true }).expect(
        201,
      );
      const lead = (await as(acme).post('/leads', { name: 'to convert' }).expect(201)).body as { id: string };
      const missing = await as(acme).post(`/leads/${lead.id}/convert`, { amount: '5.00', currency: 'USD' }).expect(400);
      expect(errorFields(missing)).toContain('customFields.contract');
      expect((await as(acme).get(`/leads/${lead.id}`).expect(200)).body.status).toBe('new');
      const deal = await as(acme)
        .post(`/leads/${lead.id}/convert`, { amount: '5.00', currency: 'USD', customFields: { contract: 'C-1' } })
        .expect(201);
      expect(deal.body.customFields).toEqual({ contract: 'C-1' });
      await as(acme).delete('/custom-fields/deal/contract').expect(204);
    });

    it('never shows one tenant’s values to the other', async () => {
      const lead = await as(acme)
        .post('/leads', { name: 'secret', customFields: { notes: 'acme only' } })
        .expect(201);
      await as(globex).get(`/leads/${lead.body.id}`).expect(404);
      const list = await as(globex).get('/leads?limit=100').expect(200);
      expect(JSON.stringify(list.body)).not.toContain('acme only');
      await as(globex).get('/leads?cf.seats=1').expect(400);
    });

    it('exports the values with their lead, and the definitions', async () => {
      const lead = await as(acme)
        .post('/leads', { name: 'exported', customFields: { seats: 8 } })
        .expect(201);
      const { id } = (await as(acme).post('/exports', {}).expect(202)).body as { id: string };
      await until('the export', async () => (await as(acme).get(`/exports/${id}`).expect(200)).body.status === 'ready');
      const zip = await as(acme).get(`/exports/${id}/download`).buffer(true).parse(binary).expect(200);
      const files = await unzip(zip.body as Buffer);
      const row = ndjson(files.get('leads.ndjson')).find((r) => r.id === lead.body.id);
      expect(row?.custom_fields).toEqual({ seats: 8 });
      expect(ndjson(files.get('custom_fields.ndjson')).map((r) => r.key)).toContain('seats');
    });

    it('writes the values into the audit diff', async () => {
      const lead = await as(acme)
        .post('/leads', { name: 'audited', customFields: { notes: 'first' } })
        .expect(201);
      await as(acme)
        .patch(`/leads/${lead.body.id}`, { customFields: { notes: 'second' } })
        .expect(200);
      const res = await as(acme).get(`/audit-logs?entityId=${lead.body.id}&limit=10`).expect(200);
      const changes = (res.body.data as { changes: Record<string, { before?: unknown; after?: unknown }> }[]).map(
        (entry) => entry.changes.customFields,
      );
      expect(changes).toContainEqual({ before: { notes: 'first' }, after: { notes: 'second' } });
    });
  });

  describe('filters and sort', () => {
    let ids: string[];
    beforeAll(async () => {
      const values: Body[] = [
        { seats: 1, budget: '10.00', renewal: '2027-01-05', vip: true, tier: 'gold', tags: ['a'] },
        { seats: 5, budget: '250.50', renewal: '2027-03-01', vip: false, tier: 'silver', tags: ['a', 'b'] },
        { seats: 9, budget: '9.99', renewal: '2027-12-31', vip: true, tier: 'bronze', tags: ['c'] },
      ];
      ids = [];
      for (const [i, customFields] of values.entries())
        ids.push(
          (
            await as(acme)
              .post('/leads', { name: `filter ${i}`, source: 'filters', customFields })
              .expect(201)
          ).body.id,
        );
    });
    const found = async (query: string) =>
      ((await as(acme).get(`/leads?limit=100&${query}`).expect(200)).body.data as { id: string }[])
        .map((lead) => lead.id)
        .filter((id) => ids.includes(id));

    it('filters on equality of a number, a select and a boolean', async () => {
      expect(await found('cf.seats=5')).toEqual([ids[1]]);
      expect(await found('cf.tier=bronze')).toEqual([ids[2]]);
      expect((await found('cf.vip=true')).sort()).toEqual([ids[0], ids[2]].sort());
    });

    it('filters on ranges of numbers, money and dates', async () => {
      expect((await found('cf.seats[gte]=5')).sort()).toEqual([ids[1], ids[2]].sort());
      expect(await found('cf.budget[gte]=10.00&cf.budget[lte]=100')).toEqual([ids[0]]);
      expect(await found('cf.renewal[gt]=2027-01-05&cf.renewal[lt]=2027-12-31')).toEqual([ids[1]]);
    });

    it('filters a multiselect by contains', async () => {
      expect((await found('cf.tags=a')).sort()).toEqual([ids[0], ids[1]].sort());
    });

    it('sorts by an indexed field both ways', async () => {
      expect(await found('q=filter&sort=cf.budget')).toEqual([ids[2], ids[0], ids[1]]);
      expect(await found('q=filter&sort=-cf.seats')).toEqual([ids[2], ids[1], ids[0]]);
    });

    it.each([
      ['a field that is not indexed', 'cf.notes=x', 'cf.notes'],
      ['an unknown field', 'cf.nope=1', 'cf.nope'],
      ['a sort on a field that is not indexed', 'sort=cf.notes', 'sort'],
      ['a range on a select', 'cf.tier[gte]=gold', 'cf.tier[gte]'],
      ['a number that is not one', 'cf.seats=abc', 'cf.seats'],
      ['a huge number', 'cf.seats=1e400', 'cf.seats'],
      ['an odd date', 'cf.renewal=2027-02-30', 'cf.renewal'],
      ['a repeated parameter', 'cf.seats=1&cf.seats=2', 'cf.seats'],
      ['an unknown operator', 'cf.seats[ne]=1', 'cf.seats[ne]'],
    ])('refuses %s with 400 naming the parameter', async (_what, query, field) => {
      const res = await as(acme).get(`/leads?${query}`).expect(400);
      expect(errorFields(res)).toContain(field);
    });

    it('applies the filter within the staff member’s own leads', async () => {
      const mine = await as(acme, staff)
        .post('/leads', { name: 'staff vip', customFields: { seats: 77 } })
        .expect(201);
      const res = await as(acme, staff).get('/leads?cf.seats[gte]=1').expect(200);
      expect(res.body.data.map((lead: Body) => lead.id)).toEqual([mine.body.id]);
    });
  });

  describe('unique fields', () => {
    it('refuses a value another lead holds with 409 naming customFields.<key>', async () => {
      await as(acme)
        .post('/leads', { name: 'u1', customFields: { code: 'X-1' } })
        .expect(201);
      const res = await as(acme)
        .post('/leads', { name: 'u2', customFields: { code: 'X-1' } })
        .expect(409);
      expect(errorFields(res)).toContain('customFields.code');
    });

    it('lets exactly one of 20 concurrent creates with the same value through', async () => {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          as(acme)
            .post('/leads', { name: `race ${i}`, customFields: { code: 'RACE' } })
            .then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(19);
      const held = await rows(acme, `select 1 from leads where custom_fields -> 'code' = '"RACE"'::jsonb`);
      expect(held).toHaveLength(1);
    });

    it('refuses unique on a field whose values repeat, with 409 and the count', async () => {
      await define(acme, { entity: 'lead', key: 'dup', label: 'Dup', type: 'text', indexed: true }).expect(201);
      for (const name of ['d1', 'd2'])
        await as(acme)
          .post('/leads', { name, customFields: { dup: 'same' } })
          .expect(201);
      const res = await as(acme).patch('/custom-fields/lead/dup', { unique: true }).expect(409);
      expect(res.body).toMatchObject({ type: expect.stringMatching(/custom-field-duplicates$/), duplicates: 1 });
    });
  });

  describe('type changes', () => {
    it('refuses a type the stored values do not fit, with 409 and their number', async () => {
      await define(acme, { entity: 'lead', key: 'size', label: 'Size', type: 'text' }).expect(201);
      for (const size of ['10', 'big', 'huge'])
        await as(acme).post('/leads', { name: size, customFields: { size } }).expect(201);
      const res = await as(acme).patch('/custom-fields/lead/size', { type: 'number' }).expect(409);
      expect(res.body).toMatchObject({ type: expect.stringMatching(/custom-field-values-mismatch$/), badValues: 3 });
      expect((await as(acme).get('/custom-fields/lead/size').expect(200)).body.type).toBe('text');
    });

    it('changes the type when every stored value fits', async () => {
      await define(acme, { entity: 'lead', key: 'qty', label: 'Qty', type: 'number' }).expect(201);
      await as(acme)
        .post('/leads', { name: 'q', customFields: { qty: 3 } })
        .expect(201);
      const res = await as(acme).patch('/custom-fields/lead/qty', { type: 'money' }).expect(200);
      expect(res.body.type).toBe('money');
      const list = await as(acme).get('/leads?q=q&limit=100').expect(200);
      expect(list.body.data.find((lead: Body) => lead.name === 'q').customFields).toEqual({ qty: '3.00' });
    });

    it('refuses removing a select option still in use', async () => {
      const res = await as(acme)
        .patch('/custom-fields/lead/tier', { options: ['gold'] })
        .expect(409);
      expect(res.body.badValues).toBeGreaterThan(0);
    });

    it('never leaves a misfit value when 30 writes race a type change', async () => {
      await define(acme, { entity: 'lead', key: 'raced', label: 'Raced', type: 'text' }).expect(201);
      const writes = Array.from({ length: 30 }, (_, i) =>
        as(acme)
          .post('/leads', { name: `racer ${i}`, customFields: { raced: `word ${i}` } })
          .then((r) => r.status),
      );
      const change = as(acme)
        .patch('/custom-fields/lead/raced', { type: 'number' })
        .then((r) => r.status);
      const [statuses, changed] = await Promise.all([Promise.all(writes), change]);
      expect(statuses.every((s) => s === 201 || s === 400)).toBe(true);
      expect([200, 409]).toContain(changed);
      const { body } = await as(acme).get('/custom-fields/lead/raced').expect(200);
      const stored = await rows<{ kind: string }>(
        acme,
        `select jsonb_typeof(custom_fields -> 'raced') as kind from leads where custom_fields ? 'raced'`,
      );
      const expected = body.type === 'number' ? 'number' : 'string';
      expect(stored.every((row) => row.kind === expected)).toBe(true);
      expect(stored.length).toBe(statuses.filter((s) => s === 201).length);
    });
  });

  describe('archive, restore and purge', () => {
    it('archives: values hidden and kept, writes and filters refused; restore shows them again', async () => {
      await define(acme, { entity: 'lead', key: 'old', label: 'Old', type: 'number', indexed: true }).expect(201);
      const lead = await as(acme)
        .post('/leads', { name: 'archived', customFields: { old: 4 } })
        .expect(201);
      await as(acme).delete('/custom-fields/lead/old').expect(204);
      expect((await as(acme).get(`/leads/${lead.body.id}`).expect(200)).body.customFields).toEqual({});
      const [row] = await rows<{ v: number }>(
        acme,
        `select (custom_fields -> 'old')::int as v from leads where id = $1`,
        [lead.body.id],
      );
      expect(row.v).toBe(4);
      expect(
        errorFields(
          await as(acme)
            .post('/leads', { name: 'x', customFields: { old: 1 } })
            .expect(400),
        ),
      ).toContain('customFields.old');
      expect(errorFields(await as(acme).get('/leads?cf.old=4').expect(400))).toContain('cf.old');
      await define(acme, { entity: 'lead', key: 'old', label: 'Again', type: 'text' }).expect(409);
      await as(acme).patch('/custom-fields/lead/old', { archived: false }).expect(200);
      expect((await as(acme).get(`/leads/${lead.body.id}`).expect(200)).body.customFields).toEqual({ old: 4 });
    });

    it('purges: a job removes the values, the index and the definition, with one audit entry', async () => {
      await define(acme, { entity: 'lead', key: 'gone', label: 'Gone', type: 'text', indexed: true }).expect(201);
      await indexReady(acme, 'lead', 'gone');
      for (const i of [1, 2, 3])
        await as(acme)
          .post('/leads', { name: `purge ${i}`, customFields: { gone: `v${i}` } })
          .expect(201);
      await as(acme).delete('/custom-fields/lead/gone?purge=true').expect(204);
      await until('the purge', async () => (await as(acme).get('/custom-fields/lead/gone')).status === 404);
      expect(await rows(acme, `select 1 from leads where custom_fields ? 'gone'`)).toHaveLength(0);
      expect(await rows(acme, `select 1 from pg_indexes where indexname = 'cf_lead_gone'`)).toHaveLength(0);
      const audit = await rows(acme, `select 1 from audit_logs where action = 'custom_field.purge'`);
      expect(audit).toHaveLength(1);
      await define(acme, { entity: 'lead', key: 'gone', label: 'Back', type: 'number' }).expect(201);
    });

    it('drops the index by a job when a field stops being indexed; its filters are then refused', async () => {
      await define(acme, { entity: 'lead', key: 'brief', label: 'Brief', type: 'number', indexed: true }).expect(201);
      await indexReady(acme, 'lead', 'brief');
      const res = await as(acme).patch('/custom-fields/lead/brief', { indexed: false }).expect(200);
      expect(res.body).toMatchObject({ indexed: false, indexStatus: 'none' });
      await until(
        'the index to go',
        async () => !(await rows(acme, `select 1 from pg_indexes where indexname = 'cf_lead_brief'`)).length,
      );
      expect(errorFields(await as(acme).get('/leads?cf.brief=1').expect(400))).toContain('cf.brief');
    });

    it('refuses purge=maybe with 400', async () => {
      const res = await as(acme).delete('/custom-fields/lead/notes?purge=maybe').expect(400);
      expect(errorFields(res)).toContain('purge');
    });
  });

  describe('plan', () => {
    it('refuses a definition past the plan’s customFields limit with 403 quota-exceeded; archiving frees a slot', async () => {
      await t
        .http()
        .post('/api/v1/platform/plans')
        .set('authorization', `Bearer ${pt}`)
        .send({ code: `cf-${t.id}`, name: 'CF two', limits: { customFields: 2 }, features: ['customFields'] })
        .expect(201);
      await t
        .http()
        .put(`/api/v1/platform/tenants/${globex.slug}/plan`)
        .set('authorization', `Bearer ${pt}`)
        .send({ plan: `cf-${t.id}` })
        .expect(200);
      await until('the plan', async () => {
        const res = await define(globex, { entity: 'lead', key: 'second', label: 'S', type: 'text' });
        return res.status === 201;
      });
      const res = await define(globex, { entity: 'lead', key: 'third', label: 'T', type: 'text' }).expect(403);
      expect(res.body).toMatchObject({ type: expect.stringMatching(/quota-exceeded$/), limit: 2, used: 2 });
      await as(globex).delete('/custom-fields/lead/second').expect(204);
      await define(globex, { entity: 'lead', key: 'third', label: 'T', type: 'text' }).expect(201);
    });

    it('refuses managing definitions on a plan without the feature (403), reads stay open', async () => {
      await t
        .http()
        .post('/api/v1/platform/plans')
        .set('authorization', `Bearer ${pt}`)
        .send({ code: `nocf-${t.id}`, name: 'No CF', limits: {}, features: [] })
        .expect(201);
      await t
        .http()
        .put(`/api/v1/platform/tenants/${globex.slug}/plan`)
        .set('authorization', `Bearer ${pt}`)
        .send({ plan: `nocf-${t.id}` })
        .expect(200);
      const res = await until('the plan', async () => {
        const r = await define(globex, { entity: 'lead', key: 'fourth', label: 'F', type: 'text' });
        return r.status === 403 ? r : undefined;
      });
      expect(res.body.type).toMatch(/feature-not-in-plan$/);
      await as(globex).get('/custom-fields').expect(200);
    });
  });

  describe("the tenant's OpenAPI document", () => {
    it('types the tenant’s fields in customFields and never names the other tenant’s', async () => {
      const mine = (await as(acme, staff).get('/openapi.json').expect(200)).body;
      const view = mine.components.schemas.LeadView.properties.customFields;
      expect(view).toMatchObject({ additionalProperties: false });
      expect(view.properties.tier).toEqual({ type: 'string', enum: ['gold', 'silver', 'bronze'] });
      expect(view.properties.region).toBeUndefined();
      const params = (mine.paths['/api/v1/leads'].get.parameters as { name: string }[]).map((p) => p.name);
      expect(params).toEqual(expect.arrayContaining(['cf.seats', 'cf.seats[gte]', 'cf.tags']));
      expect(params).not.toContain('cf.notes');
      const theirs = (await as(globex).get('/openapi.json').expect(200)).body;
      expect(Object.keys(theirs.components.schemas.LeadView.properties.customFields.properties)).not.toContain('tier');
      expect(JSON.stringify(theirs)).not.toContain('cf.seats');
    });

    it('generates a client whose calls with custom fields compile with no casts', async () => {
      const document = (await as(acme).get('/openapi.json').expect(200)).body;
      const root = resolve(__dirname, '..');
      const dir = mkdtempSync(join(root, '.tmp-tenant-client-'));
      try {
        writeFileSync(join(dir, 'openapi.json'), JSON.stringify(document));
        const run = promisify(execFile);
        await run(join(root, 'node_modules/.bin/openapi-typescript'), ['openapi.json', '-o', 'schema.d.ts'], {
          cwd: dir,
        });
        writeFileSync(
          join(dir, 'snippet.ts'),
          `import createClient from 'openapi-fetch';
import type { paths } from './schema';
export async function journey(): Promise<number> {
  const client = createClient<paths>({ baseUrl: 'http://localhost' });
  const created = await client.POST('/api/v1/leads', {
    body: { name: 'typed', customFields: { seats: 3, budget: '10.50', renewal: '2027-01-01', vip: true, tier: 'gold', tags: ['a'], code: 'T-1' } },
  });
  const tier: 'gold' | 'silver' | 'bronze' | undefined = created.data?.customFields.tier;
  const tags: ('a' | 'b' | 'c')[] | undefined = created.data?.customFields.tags;
  await client.PATCH('/api/v1/leads/{id}', { params: { path: { id: 'x' } }, body: { customFields: { seats: null } } });
  const list = await client.GET('/api/v1/leads', { params: { query: { 'cf.seats[gte]': 1, 'cf.tier': 'gold' } } });
  return (list.data?.data[0]?.customFields.seats ?? 0) + (tier ? 1 : 0) + (tags?.length ?? 0);
}
`,
        );
        writeFileSync(
          join(dir, 'tsconfig.json'),
          JSON.stringify({
            extends: '../tsconfig.json',
            compilerOptions: { noEmit: true, incremental: false, types: [] },
            include: ['*.ts'],
          }),
        );
        await expect(run(join(root, 'node_modules/.bin/tsc'), ['-p', dir])).resolves.toBeDefined();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
