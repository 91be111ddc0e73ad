import { verifyAuditChain } from '@app/audit';
import { SupportClock } from '@app/auth';
import { parsePostgresUrl } from '@app/catalog';
import { TenantContext, TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import type { Response } from 'supertest';
import { TestApp, TestTenant } from './support/test-app';
import { sleep } from './support/wait';

/**
 * Support access (impersonation) over HTTP: two API instances of one deployment on one Redis, two
 * tenants. acme's settings change from test to test (each test sets the mode it needs); globex
 * never allows support access and sees none of acme's sessions.
 */
type Mode = 'off' | 'approval' | 'always';

const claims = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
const statuses = (answers: Response[]) => answers.map((a) => a.status).sort((a, b) => a - b);

describe('support access (impersonation)', () => {
  let first: TestApp;
  let second: TestApp;
  let pt: string;
  let platformUserId: string;
  let acme: TestTenant;
  let globex: TestTenant;
  let acmeAdminId: string;
  let staff: { id: string; token: string };

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const platform = (app: TestApp = first) => ({
    post: (path: string, body: object = {}) =>
      app.http().post(`/api/v1/platform/tenants${path}`).set(bearer(pt)).send(body),
    get: (path: string) => app.http().get(`/api/v1/platform/tenants${path}`).set(bearer(pt)),
  });
  const admin = (tenant: TestTenant, app: TestApp = first) => ({
    ...app.as(tenant.token, tenant.slug),
    put: (path: string, body: object) =>
      app.http().put(`/api/v1${path}`).set(bearer(tenant.token)).set('x-tenant-id', tenant.slug).send(body),
  });
  const session = (token: string, app: TestApp = first) => ({
    ...app.as(token, acme.slug),
    put: (path: string, body: object) =>
      app.http().put(`/api/v1${path}`).set(bearer(token)).set('x-tenant-id', acme.slug).send(body),
  });

  async function setMode(mode: Mode, maxMinutes = 60): Promise<void> {
    await admin(acme).put('/settings/support-access', { mode, maxMinutes }).expect(200);
  }
  const ask = (userId: string, minutes = 5, app: TestApp = first) =>
    platform(app).post(`/${acme.slug}/impersonations`, {
      userId,
      reason: 'Ticket 4521: no deals in the report',
      minutes,
    });
  /** A pending request for `userId` (acme in approval mode). */
  async function pending(userId: string): Promise<string> {
    await setMode('approval');
    const res = await ask(userId).expect(202);
    return res.body.id as string;
  }
  async function newUser(role: 'staff' | 'company_admin', name: string): Promise<{ id: string; token: string }> {
    const credentials = { email: `${name}@acme.test`, password: `${name}-passphrase-123` };
    const created = await admin(acme)
      .post('/users', { ...credentials, name, role })
      .expect(201);
    const login = await first.http().post('/api/v1/auth/login').set('x-tenant-id', acme.slug).send(credentials);
    return { id: created.body.id as string, token: login.body.accessToken as string };
  }
  const catalogSql = <T>(text: string, params: unknown[] = []) =>
    first.sql<T>(text, params, parsePostgresUrl(first.catalogUrl).database);
  const sessionRow = async (id: string) =>
    (await first.sql<{ status: string }>('select status from support_sessions where id = $1', [id], acme.dbName))[0];

  beforeAll(async () => {
    const env = { REDIS_URL: process.env.TESSERA_TEST_REDIS! };
    first = await TestApp.start(env);
    second = await TestApp.start(env, first);
    pt = await first.platformToken();
    platformUserId = claims(pt).sub as string;
    [acme, globex] = await Promise.all([first.createTenant('acme', pt), first.createTenant('globex', pt)]);
    acmeAdminId = claims(acme.token).sub as string;
    staff = await newUser('staff', 'sam');
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });
  afterEach(() => jest.restoreAllMocks());

  it('is off by default, with 60 minutes at most', async () => {
    const res = await admin(globex).get('/settings/support-access').expect(200);
    expect(res.body).toEqual({ mode: 'off', maxMinutes: 60 });
  });

  it('refuses a super admin with 403 while the tenant keeps support access off', async () => {
    const res = await platform().post(`/${globex.slug}/impersonations`, {
      userId: claims(globex.token).sub,
      reason: 'Just looking',
      minutes: 5,
    });
    expect({ status: res.status, type: res.body.type }).toEqual({
      status: 403,
      type: expect.stringMatching(/support-access-off$/),
    });
  });

  it("refuses a support request (403 feature-not-in-plan) when the tenant's plan lacks supportAccess, even in always mode", async () => {
    await setMode('always');
    const plans = (method: 'post' | 'put', path: string) =>
      first.http()[method](`/api/v1/platform${path}`).set(bearer(pt));
    await plans('post', '/plans')
      .send({ code: 'no-support', name: 'No support', features: ['exports'] })
      .expect(201);
    await plans('put', `/tenants/${acme.slug}/plan`).send({ plan: 'no-support' }).expect(200);
    try {
      const res = await ask(staff.id, 5);
      expect({ status: res.status, type: res.body.type }).toEqual({
        status: 403,
        type: expect.stringMatching(/feature-not-in-plan$/),
      });
    } finally {
      await plans('put', `/tenants/${acme.slug}/plan`).send({ plan: 'standard' }).expect(200);
    }
    await ask(staff.id, 5).expect(201);
  });

  it('starts at once in always mode: 201, a token without refresh whose act names the platform user', async () => {
    await setMode('always');
    const res = await ask(staff.id, 5).expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      status: 'active',
      accessToken: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect(res.headers.location).toBe(`/api/v1/platform/tenants/${acme.slug}/impersonations/${res.body.id}`);
    expect(res.headers['cache-control']).toBe('no-store');
    const token = claims(res.body.accessToken as string);
    expect(token).toMatchObject({
      sub: staff.id,
      tid: acme.slug,
      role: 'staff',
      act: { sub: platformUserId },
      fam: res.body.id,
    });
    expect((token.exp as number) * 1000).toBe(Date.parse(res.body.expiresAt as string));
    expect(Date.parse(res.body.expiresAt as string) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
  });

  it('marks every answer in a session with X-Impersonated-By, refusals included', async () => {
    await setMode('always');
    const { accessToken } = (await ask(staff.id).expect(201)).body as { accessToken: string };
    const me = await session(accessToken).get('/auth/me').expect(200);
    expect(me.body.id).toBe(staff.id);
    const created = await session(accessToken).post('/leads', { name: 'Supported lead' }).expect(201);
    const refused = await session(accessToken).get('/users').expect(403);
    for (const answer of [me, created, refused]) expect(answer.headers['x-impersonated-by']).toBe(platformUserId);
    const own = await admin(acme).get('/auth/me').expect(200);
    expect(own.headers['x-impersonated-by']).toBeUndefined();
  });

  it("names both the user and the platform user in the session's audit entries, and the chain verifies", async () => {
    await setMode('always');
    const { accessToken } = (await ask(staff.id).expect(201)).body as { accessToken: string };
    const lead = await session(accessToken).post('/leads', { name: 'Audited in a session' }).expect(201);
    const res = await admin(acme)
      .get(`/audit-logs?entityId=${lead.body.id}&impersonatorId=${platformUserId}`)
      .expect(200);
    expect(res.body.data).toEqual([
      expect.objectContaining({ action: 'lead.create', actorId: staff.id, impersonatorId: platformUserId }),
    ]);
    const tenant = (await first.app.get(TenantDirectory).find(acme.slug))!;
    const report = await first.app
      .get(TenantOrmRegistry)
      .run(tenant, () => verifyAuditChain(first.app.get(TenantContext).em));
    expect(report).toEqual({ entries: expect.any(Number), ok: true });
  });

  it('waits for approval in approval mode: 202, approved by a company admin, started once, a second start 409', async () => {
    const id = await pending(staff.id);
    expect((await platform().get(`/${acme.slug}/impersonations/${id}`).expect(200)).body.status).toBe('pending');
    const approved = await admin(acme).post(`/support-access/sessions/${id}/approve`, {}).expect(200);
    expect(approved.body).toMatchObject({ id, status: 'approved', decidedBy: acmeAdminId, userEmail: 'sam@acme.test' });
    const started = await platform().post(`/${acme.slug}/impersonations/${id}/start`).expect(201);
    expect(claims(started.body.accessToken as string).act).toEqual({ sub: platformUserId });
    await session(started.body.accessToken as string)
      .get('/leads')
      .expect(200);
    const again = await platform().post(`/${acme.slug}/impersonations/${id}/start`);
    expect({ status: again.status, type: again.body.type }).toEqual({
      status: 409,
      type: expect.stringMatching(/support-session-state$/),
    });
    expect((await platform().get(`/${acme.slug}/impersonations/${id}`).expect(200)).body.status).toBe('active');
  });

  it('refuses to start an approval older than 15 minutes', async () => {
    const id = await pending(staff.id);
    await admin(acme).post(`/support-access/sessions/${id}/approve`, {}).expect(200);
    await first.sql(
      "update support_sessions set decided_at = now() - interval '15 minutes 1 second' where id = $1",
      [id],
      acme.dbName,
    );
    const res = await platform().post(`/${acme.slug}/impersonations/${id}/start`);
    expect({ status: res.status, type: res.body.type }).toEqual({
      status: 409,
      type: expect.stringMatching(/support-approval-expired$/),
    });
    expect((await platform().get(`/${acme.slug}/impersonations/${id}`).expect(200)).body.status).toBe('expired');
  });

  it('never starts a denied request', async () => {
    const id = await pending(staff.id);
    const denied = await admin(acme).post(`/support-access/sessions/${id}/deny`, {}).expect(200);
    expect(denied.body.status).toBe('denied');
    await platform().post(`/${acme.slug}/impersonations/${id}/start`).expect(409);
    await admin(acme).post(`/support-access/sessions/${id}/approve`, {}).expect(409);
  });

  it('ends a session to the second: a token living 2 s fails right after its expiresAt', async () => {
    await setMode('always');
    const clock = first.app.get(SupportClock);
    // Issued 58 s ago for one minute: two seconds left.
    jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() - 58_000));
    const res = await ask(staff.id, 1).expect(201);
    jest.restoreAllMocks();
    const expiresAt = Date.parse(res.body.expiresAt as string);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(3000);
    await session(res.body.accessToken as string)
      .get('/auth/me')
      .expect(200);
    await sleep(Math.max(0, expiresAt - Date.now()) + 20);
    await session(res.body.accessToken as string)
      .get('/auth/me')
      .expect(401);
    await session(res.body.accessToken as string, second)
      .get('/auth/me')
      .expect(401);
  });

  it('fails a revoked session at once on the other API instance', async () => {
    await setMode('always');
    const { id, accessToken } = (await ask(staff.id).expect(201)).body as { id: string; accessToken: string };
    await session(accessToken, second).get('/leads').expect(200); // verified and cached on the second instance
    await admin(acme, first).delete(`/support-access/sessions/${id}`).expect(204);
    await session(accessToken, second).get('/leads').expect(401);
    await session(accessToken, first).get('/leads').expect(401);
    expect(await sessionRow(id)).toEqual({ status: 'ended' });
  });

  it('ends the session when the support agent signs out: the row is ended by them, the token fails on both instances', async () => {
    await setMode('always');
    const { id, accessToken } = (await ask(staff.id).expect(201)).body as { id: string; accessToken: string };
    await session(accessToken, second).get('/leads').expect(200);
    await session(accessToken).post('/auth/logout', {}).expect(204);
    await session(accessToken, second).get('/leads').expect(401);
    const [row] = await first.sql<{ status: string; ended_by: string; end_reason: string }>(
      'select status, ended_by, end_reason from support_sessions where id = $1',
      [id],
      acme.dbName,
    );
    expect(row).toEqual({ status: 'ended', ended_by: platformUserId, end_reason: 'signed-out' });
  });

  it("lets no session take the tenant's data out: exports and privacy requests are refused (403)", async () => {
    await setMode('always');
    const { accessToken } = (await ask(acmeAdminId).expect(201)).body as { accessToken: string };
    const as = session(accessToken);
    const refused = await Promise.all([
      as.post('/exports', {}),
      as.post('/privacy/requests', { type: 'access', email: 'someone@acme.test' }),
      as.post('/privacy/requests', { type: 'erase', email: 'someone@acme.test' }),
    ]);
    expect(refused.map((r) => [r.status, r.body.type])).toEqual(
      Array(3).fill([403, expect.stringMatching(/not-in-support-session$/)]),
    );
    await admin(acme).post('/exports', {}).expect(202); // the company admin's own token still may
  });

  it('refuses a session the changes it may not make: password, role, API keys, support settings (403)', async () => {
    await setMode('always');
    const { accessToken } = (await ask(acmeAdminId).expect(201)).body as { accessToken: string };
    const as = session(accessToken);
    const refused = await Promise.all([
      as.patch(`/users/${staff.id}`, { password: 'a-brand-new-passphrase' }),
      as.patch(`/users/${staff.id}`, { role: 'manager' }),
      as.post('/api-keys', { name: 'Sneaky', scopes: ['leads:read'] }),
      as.put('/settings/support-access', { mode: 'always', maxMinutes: 480 }),
    ]);
    expect(refused.map((r) => [r.status, r.body.type])).toEqual(
      Array(4).fill([403, expect.stringMatching(/not-in-support-session$/)]),
    );
    await as.patch(`/users/${staff.id}`, { name: 'Sam Seller' }).expect(200); // other fields stay open
    expect((await admin(acme).get('/settings/support-access').expect(200)).body).toEqual({
      mode: 'always',
      maxMinutes: 60,
    });
  });

  it("lets no company admin of another tenant see or approve acme's request", async () => {
    const id = await pending(staff.id);
    const own = await admin(globex).post(`/support-access/sessions/${id}/approve`, {});
    const aimed = await first
      .http()
      .post(`/api/v1/support-access/sessions/${id}/approve`)
      .set(bearer(globex.token))
      .set('x-tenant-id', acme.slug)
      .send({});
    expect([own.status, aimed.status]).toEqual([404, 403]);
    expect((await admin(globex).get('/support-access/sessions').expect(200)).body.meta.total).toBe(0);
    expect(await sessionRow(id)).toEqual({ status: 'pending' });
  });

  it('lets exactly one of 16 concurrent approvals and denials win', async () => {
    const id = await pending(staff.id);
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        admin(acme, i % 2 ? second : first).post(
          `/support-access/sessions/${id}/${i % 4 < 2 ? 'approve' : 'deny'}`,
          {},
        ),
      ),
    );
    expect(statuses(answers)).toEqual([200, ...Array(15).fill(409)]);
    const winner = answers.find((a) => a.status === 200)!;
    expect(await sessionRow(id)).toEqual({ status: winner.body.status });
  });

  it('starts an approved session exactly once under 12 concurrent starts', async () => {
    const id = await pending(staff.id);
    await admin(acme).post(`/support-access/sessions/${id}/approve`, {}).expect(200);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        platform(i % 2 ? second : first).post(`/${acme.slug}/impersonations/${id}/start`),
      ),
    );
    expect(statuses(answers)).toEqual([201, ...Array(11).fill(409)]);
  });

  it('refuses to act as a deactivated user (409)', async () => {
    await setMode('always');
    const leaver = await newUser('staff', 'lee');
    await admin(acme).delete(`/users/${leaver.id}`).expect(204);
    const res = await ask(leaver.id);
    expect({ status: res.status, type: res.body.type }).toEqual({
      status: 409,
      type: expect.stringMatching(/user-deactivated$/),
    });
  });

  it('ends the session of a user deactivated mid-session', async () => {
    await setMode('always');
    const mover = await newUser('staff', 'max');
    const { id, accessToken } = (await ask(mover.id).expect(201)).body as { id: string; accessToken: string };
    await session(accessToken, second).get('/auth/me').expect(200);
    await admin(acme).delete(`/users/${mover.id}`).expect(204);
    await session(accessToken, second).get('/auth/me').expect(401);
    const listed = await admin(acme).get('/support-access/sessions?limit=100').expect(200);
    expect(listed.body.data.find((s: { id: string }) => s.id === id)).toMatchObject({
      status: 'ended',
      endReason: 'user-deactivated',
    });
  });

  it('records request, approval, denial, start and end in the platform trail', async () => {
    const approvedId = await pending(staff.id);
    await admin(acme).post(`/support-access/sessions/${approvedId}/approve`, {}).expect(200);
    await platform().post(`/${acme.slug}/impersonations/${approvedId}/start`).expect(201);
    await admin(acme).delete(`/support-access/sessions/${approvedId}`).expect(204);
    const deniedId = await pending(staff.id);
    await admin(acme).post(`/support-access/sessions/${deniedId}/deny`, {}).expect(200);
    const trail = await catalogSql<{ entity_id: string; action: string; actor_id: string; actor_role: string }>(
      `select entity_id, action, actor_id, actor_role from platform_audit_logs
        where entity = 'impersonation' and entity_id = any($1) order by seq`,
      [[approvedId, deniedId]],
    );
    expect(trail.map((e) => [e.entity_id, e.action, e.actor_role])).toEqual([
      [approvedId, 'platform.impersonation.request', 'super_admin'],
      [approvedId, 'platform.impersonation.approve', 'company_admin'],
      [approvedId, 'platform.impersonation.start', 'super_admin'],
      [approvedId, 'platform.impersonation.end', 'company_admin'],
      [deniedId, 'platform.impersonation.request', 'super_admin'],
      [deniedId, 'platform.impersonation.deny', 'company_admin'],
    ]);
  });

  it('lists requests and sessions to company admins as a page: who, for whom, why, when', async () => {
    const res = await admin(acme).get('/support-access/sessions?limit=2&sort=-requestedAt').expect(200);
    expect(res.body.meta).toEqual({ page: 1, limit: 2, total: expect.any(Number) });
    expect(res.body.data[0]).toMatchObject({
      platformUserId,
      platformUserEmail: expect.any(String),
      userId: expect.any(String),
      reason: 'Ticket 4521: no deals in the report',
      requestedAt: expect.any(String),
    });
    const staffToken = staff.token;
    await first.as(staffToken, acme.slug).get('/support-access/sessions').expect(403);
  });

  it('answers hostile input with 400 problem+json, never 500', async () => {
    await setMode('approval', 30);
    const good = { userId: staff.id, reason: 'Ticket', minutes: 5 };
    const requests = [
      { ...good, reason: 'nul\u0000here' },
      { ...good, reason: 'lone \ud800 surrogate' },
      { ...good, reason: null },
      { ...good, reason: '' },
      { ...good, reason: 'x'.repeat(501) },
      { ...good, minutes: 0 },
      { ...good, minutes: 481 },
      { ...good, minutes: 31 }, // more than maxMinutes
      { ...good, minutes: 1.5 },
      { ...good, minutes: '5' },
      { ...good, userId: 'not-a-uuid' },
      { ...good, extra: true },
    ];
    const settings = [
      { mode: 'always', maxMinutes: 0 },
      { mode: 'always', maxMinutes: 481 },
      { mode: 'always', maxMinutes: null },
      { mode: 'always', maxMinutes: '60' },
      { mode: 'sometimes', maxMinutes: 60 },
      { mode: 'always' },
    ];
    const answers = await Promise.all([
      ...requests.map((body) => platform().post(`/${acme.slug}/impersonations`, body)),
      ...settings.map((body) => admin(acme).put('/settings/support-access', body)),
    ]);
    expect(answers.map((a) => [a.status, a.headers['content-type']])).toEqual(
      answers.map(() => [400, expect.stringMatching(/^application\/problem\+json/)]),
    );
    expect((await admin(acme).get('/settings/support-access').expect(200)).body).toEqual({
      mode: 'approval',
      maxMinutes: 30,
    });
  });

  it('ends every live session when the tenant turns support access off', async () => {
    await setMode('always');
    const { id, accessToken } = (await ask(staff.id).expect(201)).body as { id: string; accessToken: string };
    await setMode('off');
    await session(accessToken, second).get('/leads').expect(401);
    expect(await sessionRow(id)).toEqual({ status: 'ended' });
  });
});
