import { TestApp, TestTenant } from './support/test-app';

/** What no field may hold is refused at one gate, before validation or SQL, on every route. */
describe('the input gate', () => {
  let t: TestApp;
  let a: TestTenant;
  let b: TestTenant;
  let leadId: string;
  beforeAll(async () => {
    t = await TestApp.start({ CORS_ORIGINS: 'https://app.example', TENANT_RATE_LIMIT_RPS: '0' });
    const pt = await t.platformToken();
    [a, b] = await Promise.all([t.createTenant('gate-a', pt), t.createTenant('gate-b', pt)]);
    leadId = (await t.as(a.token, a.slug).post('/leads', { name: 'Gate lead' }).expect(201)).body.id;
  });
  afterAll(() => t?.stop());

  const raw = (path: string, body: string, method: 'post' | 'patch' = 'post') =>
    t
      .http()
      [method](`/api/v1${path}`)
      .set('authorization', `Bearer ${a.token}`)
      .set('x-tenant-id', a.slug)
      .set('content-type', 'application/json')
      .send(body);

  it('answers a NUL character in a body field with 400 naming the field', async () => {
    const res = await t.as(a.token, a.slug).post('/leads', { name: 'a\u0000b' }).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors).toEqual([{ field: 'name', message: expect.stringMatching(/NUL/) }]);
  });

  it('answers an unpaired surrogate escaped in JSON with 400', async () => {
    const res = await raw('/leads', '{"name": "a\\ud800b"}').expect(400);
    expect(res.body.errors[0].field).toBe('name');
  });

  it('answers a NUL character in a nested field of a PATCH with 400', async () => {
    const res = await raw(`/leads/${leadId}`, '{"company": "x\\u0000y"}', 'patch').expect(400);
    expect(res.body.errors[0].field).toBe('company');
  });

  it('answers a NUL character in a query value with 400 naming the parameter', async () => {
    const res = await t.as(a.token, a.slug).get('/leads?q=a%00b').expect(400);
    expect(res.body.errors[0].field).toBe('q');
  });

  it('answers a NUL character in a path parameter with 400', async () => {
    await t.as(a.token, a.slug).get('/leads/a%00b').expect(400);
  });

  it('answers JSON nested 33 levels deep with 400', async () => {
    await raw('/leads', `{"name": ${'['.repeat(33)}"x"${']'.repeat(33)}}`).expect(400);
  });

  it('answers JSON nested 100,000 levels deep with 400, and the process keeps serving', async () => {
    const res = await raw('/leads', `{"name": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(res.status).toBe(400);
    await t.as(a.token, a.slug).get(`/leads/${leadId}`).expect(200);
  });

  it('refuses a body before authentication, so an anonymous caller learns nothing more', async () => {
    await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', a.slug)
      .send({ email: 'x\u0000@gate-a.test', password: 'whatever-passphrase' })
      .expect(400);
  });

  it('still records a refused platform sign-in whose e-mail holds a NUL character', async () => {
    const res = await t
      .http()
      .post('/api/v1/platform/auth/login')
      .set('x-request-id', 'gate-nul-platform')
      .send({ email: 'root@platform.test\u0000', password: 'a-guess-of-a-passphrase' })
      .expect(400);
    expect(res.body.errors[0].field).toBe('email');
    const catalog = t.catalogUrl.split('/').pop()!;
    const rows = await t.sql<{ actor_id: string; outcome: string }>(
      'select actor_id, outcome from platform_audit_logs where request_id = $1',
      ['gate-nul-platform'],
      catalog,
    );
    expect(rows).toEqual([{ actor_id: 'email:root@platform.test\ufffd', outcome: 'failed' }]);
  });

  it('keeps __proto__ keys out (400), as the framework parser did', async () => {
    await raw('/leads', '{"name": "x", "__proto__": {"admin": true}}').expect(400);
  });

  it('accepts an empty body with a JSON content type on a body-less route (DELETE)', async () => {
    const doomed = (await t.as(a.token, a.slug).post('/leads', { name: 'Doomed' }).expect(201)).body.id;
    await t
      .http()
      .delete(`/api/v1/leads/${doomed}`)
      .set('authorization', `Bearer ${a.token}`)
      .set('x-tenant-id', a.slug)
      .set('content-type', 'application/json')
      .expect(204);
  });

  it('still answers malformed JSON with 400 problem+json', async () => {
    const res = await raw('/leads', '{"name": ').expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it.each([
    ['an ISO week date', '2026-W01'],
    ['an ordinal date', '2026-001'],
    ['a signed year', '-2030-01-01T00:00:00Z'],
    ['the 30th of February', '2026-02-30'],
  ])('answers %s in a report range with 400', async (_, from) => {
    const res = await t
      .as(a.token, a.slug)
      .get(`/reports/sales-summary?from=${encodeURIComponent(from)}`)
      .expect(400);
    expect(res.body.errors[0].field).toBe('from');
  });

  it('answers a signed-year expiry of an API key with 400', async () => {
    const res = await t
      .as(a.token, a.slug)
      .post('/api-keys', { name: 'k', scopes: ['leads:read'], expiresAt: '-2030-01-01T00:00:00Z' })
      .expect(400);
    expect(res.body.errors[0].field).toBe('expiresAt');
  });

  it('answers an ISO week date in an audit-log range with 400', async () => {
    await t.as(a.token, a.slug).get('/audit-logs?from=2026-W01').expect(400);
  });

  it('still accepts a calendar date and an RFC 3339 date-time with an offset', async () => {
    await t
      .as(a.token, a.slug)
      .get('/reports/sales-summary?from=2026-01-01&to=2027-01-01T00:00:00%2B02:00')
      .expect(200);
  });

  it('lets a browser on an allowed origin send PATCH and DELETE (CORS preflight)', async () => {
    const res = await t
      .http()
      .options(`/api/v1/leads/${leadId}`)
      .set('origin', 'https://app.example')
      .set('access-control-request-method', 'PATCH')
      .set('access-control-request-headers', 'authorization,content-type,if-match');
    expect(res.status).toBeLessThan(300);
    expect(res.headers['access-control-allow-methods']).toEqual(expect.stringContaining('PATCH'));
    expect(res.headers['access-control-allow-methods']).toEqual(expect.stringContaining('DELETE'));
  });

  it('leaves the other tenant untouched by all of it', async () => {
    const res = await t.as(b.token, b.slug).get('/leads').expect(200);
    expect(res.body.meta.total).toBe(0);
  });
});
