import { parsePostgresUrl } from '@app/catalog';
import { PLAN_REFRESH_MS } from '@app/tenancy';
import { TestApp, TestTenant } from './support/test-app';
import { until } from './support/wait';

/**
 * Plans: limits enforced in each tenant's database in the creating transaction, feature flags,
 * the plan's rate limit, GET /usage. Two tenants: acme is moved between small plans, globex stays
 * on the seeded unlimited `standard` plan and never feels acme's limits.
 */
describe('Plans, quotas and feature flags (two tenants)', () => {
  let t: TestApp;
  let pt: string;
  let acme: TestTenant;
  let globex: TestTenant;
  let planSeq = 0;

  const as = (tenant: TestTenant) => t.as(tenant.token, tenant.slug);
  const platform = (method: 'get' | 'post' | 'patch' | 'put', path: string) =>
    t.http()[method](`/api/v1/platform${path}`).set('authorization', `Bearer ${pt}`);
  const count = async (tenant: TestTenant, sql: string) =>
    Number((await t.sql<{ n: string }>(sql, [], tenant.dbName))[0].n);
  const counter = async (tenant: TestTenant, resource: string) =>
    count(tenant, `select used as n from usage_counters where resource = '${resource}'`);

  /** A new plan with these limits and features, and acme moved onto it. */
  async function putAcmeOn(limits: Record<string, number>, features: string[] = []): Promise<string> {
    const code = `test-${++planSeq}`;
    await platform('post', '/plans')
      .send({ code, name: `Test ${planSeq}`, limits, features })
      .expect(201);
    await platform('put', `/tenants/${acme.slug}/plan`).send({ plan: code }).expect(200);
    return code;
  }

  beforeAll(async () => {
    t = await TestApp.start();
    pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
  });
  afterAll(() => t?.stop());

  describe('the platform API', () => {
    it('seeds standard and enterprise (unlimited, every feature) and starter; new tenants get the default plan', async () => {
      const res = await platform('get', '/plans').expect(200);
      const byCode = Object.fromEntries(
        (res.body.data as { code: string; features: string[] }[]).map((p) => [p.code, p]),
      );
      expect(byCode.standard).toMatchObject({ limits: {}, version: 1 });
      expect(byCode.enterprise).toMatchObject({ limits: {} });
      expect(byCode.standard.features).toHaveLength(6);
      expect(byCode.starter).toMatchObject({
        limits: { users: 5, leads: 1000 },
        features: ['exports', 'customFields', 'webhooks', 'events'],
      });
      expect((await platform('get', `/tenants/${globex.slug}`).expect(200)).body.plan).toBe('standard');
    });

    it('creates a plan with Location and version 1; the same code again is 409', async () => {
      const body = { code: `fresh-${t.id}`, name: 'Fresh', limits: { leads: 10 }, features: ['exports'] };
      const res = await platform('post', '/plans').send(body).expect(201);
      expect(res.headers.location).toBe(`/api/v1/platform/plans/${body.code}`);
      expect(res.body).toMatchObject({ code: body.code, version: 1, limits: { leads: 10 }, tenants: 0 });
      await platform('post', '/plans').send(body).expect(409);
    });

    it.each([
      ['a null limit', { limits: { leads: null } }],
      ['a negative limit', { limits: { users: -1 } }],
      ['a fractional limit', { limits: { deals: 1.5 } }],
      ['a huge limit', { limits: { leads: 1e300 } }],
      ['a limit as a string', { limits: { leads: '10' } }],
      ['an unknown limit', { limits: { seats: 3 } }],
      ['an unknown feature', { features: ['teleport'] }],
      ['a feature twice', { features: ['exports', 'exports'] }],
      ['a NUL in the name', { name: 'Bad\u0000name' }],
      ['a null name', { name: null }],
      ['an upper-case code', { code: 'Gold' }],
    ])('refuses %s with 400', async (_what, change) => {
      const res = await platform('post', '/plans')
        .send({ code: `bad-${t.id}`, name: 'Bad', ...change })
        .expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    it('PATCH bumps the version, null removes a limit, and every version stays readable', async () => {
      const code = `patched-${t.id}`;
      await platform('post', '/plans')
        .send({ code, name: 'Patched', limits: { leads: 5, deals: 5 } })
        .expect(201);
      const res = await platform('patch', `/plans/${code}`)
        .send({ limits: { leads: null, users: 3 }, features: ['analytics'] })
        .expect(200);
      expect(res.body).toMatchObject({ version: 2, limits: { deals: 5, users: 3 }, features: ['analytics'] });
      expect(res.body.limits).not.toHaveProperty('leads');
      const versions = await platform('get', `/plans/${code}/versions`).expect(200);
      expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      expect(versions.body.data[1]).toMatchObject({ limits: { leads: 5, deals: 5 }, features: [] });
    });

    it('PATCH with a stale If-Match is 412 and changes nothing', async () => {
      const code = `etag-${t.id}`;
      await platform('post', '/plans').send({ code, name: 'Etag' }).expect(201);
      const etag = (await platform('get', `/plans/${code}`).expect(200)).headers.etag;
      await platform('patch', `/plans/${code}`).send({ name: 'First' }).set('if-match', etag).expect(200);
      await platform('patch', `/plans/${code}`).send({ name: 'Second' }).set('if-match', etag).expect(412);
      expect((await platform('get', `/plans/${code}`).expect(200)).body).toMatchObject({ name: 'First', version: 2 });
    });

    it('refuses an unknown plan for a tenant (PUT and create) with 400, an unknown tenant with 404', async () => {
      await platform('put', `/tenants/${acme.slug}/plan`).send({ plan: 'no-such-plan' }).expect(400);
      await platform('put', `/tenants/nobody-${t.id}/plan`).send({ plan: 'standard' }).expect(404);
      const res = await platform('post', '/tenants')
        .send({
          slug: `unplanned-${t.id}`,
          name: 'Unplanned',
          plan: 'no-such-plan',
          adminEmail: 'a@unplanned.test',
          adminName: 'A',
          adminPassword: 'unplanned-passphrase',
        })
        .expect(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'plan' })]);
    });

    it('records plan changes in the platform trail, listed by GET /platform/audit-logs with its filters', async () => {
      const code = `audited-${t.id}`;
      await platform('post', '/plans').send({ code, name: 'Audited' }).expect(201);
      await platform('patch', `/plans/${code}`).send({ name: 'Audited twice' }).expect(200);
      await platform('put', `/tenants/${globex.slug}/plan`).send({ plan: 'standard' }).expect(200);
      const all = await platform('get', '/audit-logs?limit=100').expect(200);
      const actions = (all.body.data as { action: string; outcome: string }[]).map((e) => `${e.action} ${e.outcome}`);
      expect(actions).toEqual(expect.arrayContaining(['platform.plan.create success', 'platform.plan.update success']));
      const moved = await platform('get', `/audit-logs?entityId=${globex.slug}&sort=at`).expect(200);
      expect(moved.body.meta.total).toBeGreaterThan(0);
      expect((moved.body.data as { entityId: string }[]).every((e) => e.entityId === globex.slug)).toBe(true);
      const since = await platform('get', `/audit-logs?from=${encodeURIComponent('2999-01-01T00:00:00Z')}`).expect(200);
      expect(since.body).toMatchObject({ data: [], meta: { total: 0 } });
      await platform('get', '/audit-logs?from=yesterday').expect(400);
      await platform('get', '/audit-logs?impersonatorId=x').expect(400);
      await t.http().get('/api/v1/platform/audit-logs').set('authorization', `Bearer ${acme.token}`).expect(403);
    });

    it('is for super admins only: a company admin gets 403 on plans', async () => {
      await t.http().get('/api/v1/platform/plans').set('authorization', `Bearer ${acme.token}`).expect(403);
    });
  });

  describe('count limits', () => {
    it('refuses the lead past the limit with 403 quota-exceeded, limit and used; the other tenant is not limited', async () => {
      const held = await count(acme, 'select count(*) as n from leads');
      await putAcmeOn({ leads: held + 2 });
      await as(acme).post('/leads', { name: 'Within 1' }).expect(201);
      await as(acme).post('/leads', { name: 'Within 2' }).expect(201);
      const res = await as(acme).post('/leads', { name: 'Past the limit' }).expect(403);
      expect(res.body).toMatchObject({
        type: expect.stringMatching(/\/quota-exceeded$/),
        resource: 'leads',
        limit: held + 2,
        used: held + 2,
      });
      expect(await count(acme, 'select count(*) as n from leads')).toBe(held + 2);
      for (let i = 0; i < held + 3; i++)
        await as(globex)
          .post('/leads', { name: `Unlimited ${i}` })
          .expect(201);
    });

    it('gives the slot back when a lead is deleted', async () => {
      const held = await count(acme, 'select count(*) as n from leads');
      await putAcmeOn({ leads: held + 1 });
      const lead = (await as(acme).post('/leads', { name: 'Soon gone' }).expect(201)).body;
      await as(acme).post('/leads', { name: 'No room' }).expect(403);
      await as(acme).delete(`/leads/${lead.id}`).expect(204);
      await as(acme).post('/leads', { name: 'Room again' }).expect(201);
    });

    it('counts deals, created directly or by converting a lead', async () => {
      const held = await count(acme, 'select count(*) as n from deals');
      await putAcmeOn({ deals: held + 1 });
      await as(acme).post('/deals', { title: 'Only one', amount: '10.00', currency: 'EUR' }).expect(201);
      await as(acme).post('/deals', { title: 'One more', amount: '10.00', currency: 'EUR' }).expect(403);
      const lead = (await as(acme).post('/leads', { name: 'Converting' }).expect(201)).body;
      const res = await as(acme).post(`/leads/${lead.id}/convert`, { amount: '5.00', currency: 'EUR' }).expect(403);
      expect(res.body).toMatchObject({ resource: 'deals', limit: held + 1 });
      // The refused conversion rolled back whole: the lead is not converted.
      expect((await as(acme).get(`/leads/${lead.id}`).expect(200)).body.status).toBe('new');
    });

    it('counts active users, the company admin included; deactivating frees a seat and reactivating needs one', async () => {
      const active = await count(acme, 'select count(*) as n from users where active');
      await putAcmeOn({ users: active + 1 });
      const user = (
        await as(acme)
          .post('/users', {
            email: `seat-${t.id}@acme.test`,
            name: 'Seat',
            password: 'seat-user-passphrase',
            role: 'staff',
          })
          .expect(201)
      ).body;
      await as(acme)
        .post('/users', {
          email: `extra-${t.id}@acme.test`,
          name: 'Extra',
          password: 'seat-user-passphrase',
          role: 'staff',
        })
        .expect(403);
      await as(acme).delete(`/users/${user.id}`).expect(204);
      const other = (
        await as(acme)
          .post('/users', {
            email: `other-${t.id}@acme.test`,
            name: 'Other',
            password: 'seat-user-passphrase',
            role: 'staff',
          })
          .expect(201)
      ).body;
      const res = await as(acme).patch(`/users/${user.id}`, { active: true }).expect(403);
      expect(res.body).toMatchObject({ resource: 'users', limit: active + 1, used: active + 1 });
      expect(other.id).toBeDefined();
    });

    it('counts API keys not revoked; revoking one frees its slot', async () => {
      const live = await count(acme, 'select count(*) as n from api_keys where revoked_at is null');
      await putAcmeOn({ apiKeys: live + 1 });
      const key = (
        await as(acme)
          .post('/api-keys', { name: 'Only key', scopes: ['leads:read'] })
          .expect(201)
      ).body;
      await as(acme)
        .post('/api-keys', { name: 'Second key', scopes: ['leads:read'] })
        .expect(403);
      await as(acme).delete(`/api-keys/${key.id}`).expect(204);
      await as(acme)
        .post('/api-keys', { name: 'Replacement', scopes: ['leads:read'] })
        .expect(201);
    });

    it('lets exactly one of 50 concurrent creates at limit − 1 through; the database holds the limit', async () => {
      const held = await count(acme, 'select count(*) as n from leads');
      await putAcmeOn({ leads: held + 1 });
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => as(acme).post('/leads', { name: `Racer ${i}` })),
      );
      const statuses = answers.map((res) => res.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 403)).toHaveLength(49);
      for (const res of answers.filter((r) => r.status === 403))
        expect(res.body).toMatchObject({ limit: held + 1, used: held + 1 });
      expect(await count(acme, 'select count(*) as n from leads')).toBe(held + 1);
      expect(await counter(acme, 'leads')).toBe(held + 1);
    });

    it('keeps every record after a downgrade below usage: reads, updates and deletes work, creates are refused', async () => {
      const held = await count(acme, 'select count(*) as n from leads');
      expect(held).toBeGreaterThan(3);
      await putAcmeOn({ leads: 1 });
      const list = await as(acme).get('/leads?limit=100').expect(200);
      expect(list.body.meta.total).toBe(held);
      const [first, second] = list.body.data as { id: string }[];
      await as(acme).patch(`/leads/${first.id}`, { company: 'Still editable' }).expect(200);
      await as(acme).post('/leads', { name: 'Refused' }).expect(403);
      await as(acme).delete(`/leads/${second.id}`).expect(204);
      expect(await counter(acme, 'leads')).toBe(held - 1);
    });
  });

  describe('GET /usage', () => {
    it("answers the plan, its limits, the counts and the features to the company admin; the counts are the database's", async () => {
      const code = await putAcmeOn({ leads: 100000, users: 50 }, ['exports']);
      const res = await as(acme).get('/usage').expect(200);
      expect(res.body).toMatchObject({
        plan: code,
        planVersion: 1,
        limits: { leads: 100000, users: 50 },
        features: ['exports'],
      });
      expect(res.body.used).toEqual({
        users: await count(acme, 'select count(*) as n from users where active'),
        leads: await count(acme, 'select count(*) as n from leads'),
        deals: await count(acme, 'select count(*) as n from deals'),
        apiKeys: await count(acme, 'select count(*) as n from api_keys where revoked_at is null'),
        customFields: 0,
        webhooks: 0,
      });
    });

    it('is refused to staff (403) and answered to a manager', async () => {
      const make = async (role: string) => {
        const email = `${role}-usage-${t.id}@globex.test`;
        await as(globex).post('/users', { email, name: role, password: 'usage-user-passphrase', role }).expect(201);
        const login = await t
          .http()
          .post('/api/v1/auth/login')
          .set('x-tenant-id', globex.slug)
          .send({ email, password: 'usage-user-passphrase' })
          .expect(200);
        return login.body.accessToken as string;
      };
      await t
        .as(await make('staff'), globex.slug)
        .get('/usage')
        .expect(403);
      const res = await t
        .as(await make('manager'), globex.slug)
        .get('/usage')
        .expect(200);
      expect(res.body).toMatchObject({ plan: 'standard', limits: {} });
    });
  });

  describe('features and the rate limit', () => {
    it('answers 403 feature-not-in-plan on a route whose feature the plan lacks, and serves it once the plan has it', async () => {
      const code = await putAcmeOn({}, []);
      const res = await as(acme).post('/exports', {}).expect(403);
      expect(res.body).toMatchObject({ type: expect.stringMatching(/\/feature-not-in-plan$/), feature: 'exports' });
      await platform('patch', `/plans/${code}`)
        .send({ features: ['exports'] })
        .expect(200);
      await as(acme).post('/exports', {}).expect(202);
      await as(globex).post('/exports', {}).expect(202);
    });

    it("applies the plan's requests per second to the tenant's bucket, and a plan change at once", async () => {
      const code = await putAcmeOn({ requestsPerSecond: 3 });
      const answers = await Promise.all(Array.from({ length: 8 }, () => as(acme).get('/leads?limit=1')));
      expect(answers[0].headers['ratelimit-limit']).toBe('3');
      expect(answers.filter((res) => res.status === 429).length).toBeGreaterThanOrEqual(4);
      await platform('patch', `/plans/${code}`)
        .send({ limits: { requestsPerSecond: null } })
        .expect(200);
      const after = await as(acme).get('/leads?limit=1').expect(200);
      expect(after.headers['ratelimit-limit']).toBe('200');
      // globex kept its own bucket at the default rate throughout.
      expect((await as(globex).get('/leads?limit=1').expect(200)).headers['ratelimit-limit']).toBe('200');
    });
  });

  it("applies a plan changed behind the API's back (no change message) within 5 s: the plans are read again", async () => {
    const code = await putAcmeOn({}, ['exports']);
    await as(acme).post('/exports', {}).expect(202);
    const catalog = parsePostgresUrl(t.catalogUrl).database;
    await t.sql(`update plans set features = '[]'::jsonb, version = version + 1 where code = $1`, [code], catalog);
    const changed = Date.now();
    await until('the plan to be read again', async () => (await as(acme).post('/exports', {})).status === 403, 7_000);
    expect(Date.now() - changed).toBeLessThan(PLAN_REFRESH_MS + 1_000);
  });

  it("shows each served tenant's usage and limits in /metrics", async () => {
    await putAcmeOn({ leads: 77777 });
    await as(acme).get('/leads?limit=1').expect(200);
    const metrics = await t.http().get('/metrics').expect(200);
    const leads = await count(acme, 'select count(*) as n from leads');
    expect(metrics.text).toContain(`tessera_tenant_usage{tenant="${acme.slug}",resource="leads"} ${leads}`);
    expect(metrics.text).toContain(`tessera_tenant_usage_limit{tenant="${acme.slug}",resource="leads"} 77777`);
  });
});
