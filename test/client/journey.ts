import { strict as assert } from 'node:assert';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

/**
 * A REST consumer's whole day, through a client generated from the OpenAPI document and nothing
 * else: every operation of the document, each answer read through its documented type (no cast
 * anywhere: test/client is linted for that). Run against the API directly or through a
 * validating proxy (Prism), it shows the document is enough to drive the API.
 */

type Schemas = components['schemas'];
type Api = Client<paths>;
type TenantRole = Schemas['TenantRole'];

export interface Credentials {
  email: string;
  password: string;
}

export interface JourneyOptions {
  baseUrl: string;
  platformAdmin: Credentials;
  /** Makes the tenant slugs and e-mails of this run unique. */
  runId: string;
  /** Sees every answer (e.g. to read a proxy's violation header). */
  onResponse?: (response: Response, operation: string) => void;
}

/** What one tenant ended with: its slug, who signed in, and the records it made. */
export interface TenantSide {
  slug: string;
  tokens: Record<TenantRole, string>;
  leadIds: string[];
  dealIds: string[];
}

export interface JourneyResult {
  /** `<method> <path template>` of every operation called. */
  operations: Set<string>;
  tenants: [TenantSide, TenantSide];
  platformToken: string;
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The body of an answer that must have `status`; anything else fails with what the server said. */
function bodyOf<T>(answer: Answer<T>, status: number, what: string): T {
  assert.equal(answer.response.status, status, `${what}: ${answer.response.status} ${JSON.stringify(answer.error)}`);
  assert.ok(answer.data !== undefined, `${what}: no body`);
  return answer.data;
}

/** An answer without a body (204). */
function expectEmpty(answer: Answer<unknown>, what: string): void {
  assert.equal(answer.response.status, 204, `${what}: ${answer.response.status} ${JSON.stringify(answer.error)}`);
}

/** A documented refusal: the status and a problem+json body. */
function expectProblem(answer: Answer<unknown>, status: number, what: string): void {
  assert.equal(answer.response.status, status, `${what}: expected ${status}, got ${answer.response.status}`);
  assert.match(answer.response.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
}

/**
 * Equal as JSON. Not assert.deepStrictEqual: the answers' arrays come from fetch's realm, which
 * jest's sandbox does not share, so their prototypes differ though their contents match.
 */
function same(actual: unknown, expected: unknown, what = 'values'): void {
  assert.equal(JSON.stringify(actual), JSON.stringify(expected), what);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function runJourney(options: JourneyOptions): Promise<JourneyResult> {
  const operations = new Set<string>();
  const recorder: Middleware = {
    onRequest({ request, schemaPath }) {
      operations.add(`${request.method.toLowerCase()} ${schemaPath}`);
    },
    onResponse({ request, response, schemaPath }) {
      options.onResponse?.(response, `${request.method} ${schemaPath}`);
    },
  };
  const client = (headers: Record<string, string> = {}): Api => {
    const api = createClient<paths>({ baseUrl: options.baseUrl, headers });
    api.use(recorder);
    return api;
  };
  const anonymous = client();

  await probes(anonymous);
  const platformToken = await platformSignIn(anonymous, options.platformAdmin);
  const platform = client(bearer(platformToken));
  const [a, b] = await Promise.all(
    ['alpha', 'beta'].map((name) => onboard(platform, `${name}-${options.runId}`, `${name}-${options.runId}`)),
  );
  const sides: TenantSide[] = [];
  for (const tenant of [a, b]) {
    const side = await tenantDay(client, anonymous, tenant);
    sides.push(side);
  }
  const [alpha, beta] = sides;
  await isolation(client, alpha, beta);
  await supportAccess(client, platform, alpha);
  await platformDay(client, anonymous, platform, options.platformAdmin, alpha, beta);
  return { operations, tenants: [alpha, beta], platformToken };
}

/** Health probes and the signing keys: public. */
async function probes(anonymous: Api): Promise<void> {
  assert.equal(bodyOf(await anonymous.GET('/health/live'), 200, 'liveness').status, 'ok');
  assert.equal(bodyOf(await anonymous.GET('/health/ready'), 200, 'readiness').status, 'ok');
  const jwks = bodyOf(await anonymous.GET('/.well-known/jwks.json'), 200, 'jwks');
  assert.ok(jwks.keys.length > 0, 'jwks: at least one key');
  assert.ok(
    jwks.keys.every((key) => key.kid.length > 0 && key.alg === 'ES256'),
    'jwks: keys named by kid',
  );
}

async function platformSignIn(anonymous: Api, admin: Credentials): Promise<string> {
  const pair = bodyOf(await anonymous.POST('/api/v1/platform/auth/login', { body: admin }), 200, 'platform login');
  assert.equal(pair.tokenType, 'Bearer');
  return pair.accessToken;
}

interface Onboarded {
  slug: string;
  admin: Credentials;
}

/** Onboards a tenant and polls until it is active. */
async function onboard(platform: Api, slug: string, name: string): Promise<Onboarded> {
  const admin = { email: `admin@${name}.test`, password: `admin-${name}-passphrase` };
  const created = await platform.POST('/api/v1/platform/tenants', {
    body: {
      slug,
      name: `Tenant ${name}`,
      adminEmail: admin.email,
      adminName: `${name} admin`,
      adminPassword: admin.password,
    },
  });
  assert.equal(bodyOf(created, 202, 'onboard').status, 'provisioning');
  assert.equal(created.response.headers.get('location'), `/api/v1/platform/tenants/${slug}`);
  await waitFor(platform, slug, 'active');
  return { slug, admin };
}

async function signIn(anonymous: Api, slug: string, credentials: Credentials) {
  const answer = await anonymous.POST('/api/v1/auth/login', {
    params: { header: { 'X-Tenant-ID': slug } },
    body: credentials,
  });
  const pair = bodyOf(answer, 200, `login ${credentials.email}`);
  assert.equal(answer.response.headers.get('cache-control'), 'no-store');
  return pair;
}

/** One tenant: its admin, a user of each role, leads, deals, reports, API keys, sessions, audit. */
async function tenantDay(
  client: (headers?: Record<string, string>) => Api,
  anonymous: Api,
  tenant: Onboarded,
): Promise<TenantSide> {
  const adminPair = await signIn(anonymous, tenant.slug, tenant.admin);
  const admin = client(bearer(adminPair.accessToken));
  const me = bodyOf(await admin.GET('/api/v1/auth/me'), 200, 'me');
  same([me.role, me.tenant, me.email], ['company_admin', tenant.slug, tenant.admin.email]);

  const tokens: Record<TenantRole, string> = { company_admin: adminPair.accessToken, manager: '', staff: '' };
  const userIds: Record<TenantRole, string> = { company_admin: me.id, manager: '', staff: '' };
  for (const role of ['manager', 'staff', 'company_admin'] as const) {
    const credentials = { email: `${role}@${tenant.slug}.test`, password: `${role}-${tenant.slug}-passphrase` };
    const created = await admin.POST('/api/v1/users', { body: { ...credentials, name: `A ${role}`, role } });
    const user = bodyOf(created, 201, `create ${role}`);
    assert.equal(created.response.headers.get('location'), `/api/v1/users/${user.id}`);
    const pair = await signIn(anonymous, tenant.slug, credentials);
    const self = bodyOf(await client(bearer(pair.accessToken)).GET('/api/v1/auth/me'), 200, `me as ${role}`);
    assert.equal(self.role, role);
    if (role !== 'company_admin') {
      tokens[role] = pair.accessToken;
      userIds[role] = user.id;
    }
  }
  const manager = client(bearer(tokens.manager));
  const staff = client(bearer(tokens.staff));
  await users(admin, manager, staff, anonymous, tenant.slug, userIds);
  const leadIds = await leads(manager, staff, userIds);
  const dealIds = await deals(manager, staff, leadIds, userIds);
  await reports(manager, staff);
  await customFields(admin, manager);
  await analytics(manager, staff, leadIds);
  await apiKeys(admin, client);
  await webhooks(admin, manager);
  await sessions(client, anonymous, tenant);
  await auditLogs(admin, manager);
  await events(manager, staff);
  await dataRights(admin, manager, tenant.slug);
  leadIds.push(await retries(staff, tenant.slug));
  return { slug: tenant.slug, tokens, leadIds, dealIds };
}

async function users(
  admin: Api,
  manager: Api,
  staff: Api,
  anonymous: Api,
  slug: string,
  ids: Record<TenantRole, string>,
): Promise<void> {
  const staffOnly = bodyOf(
    await manager.GET('/api/v1/users', { params: { query: { role: 'staff', active: true, sort: 'name' } } }),
    200,
    'users by role',
  );
  same(
    staffOnly.data.map((user) => user.id),
    [ids.staff],
  );
  const page = bodyOf(
    await admin.GET('/api/v1/users', { params: { query: { page: 2, limit: 2, sort: 'email' } } }),
    200,
    'users page 2',
  );
  same([page.meta.page, page.meta.limit, page.meta.total, page.data.length], [2, 2, 4, 2]);
  expectProblem(await staff.GET('/api/v1/users'), 403, 'staff lists users');
  const one = bodyOf(await manager.GET('/api/v1/users/{id}', { params: { path: { id: ids.staff } } }), 200, 'user');
  assert.equal(one.role, 'staff');
  const renamed = await admin.PATCH('/api/v1/users/{id}', {
    params: { path: { id: ids.staff } },
    body: { name: 'Sam Seller' },
  });
  assert.equal(bodyOf(renamed, 200, 'rename user').name, 'Sam Seller');

  const leaver = { email: `leaver@${slug}.test`, password: `leaver-${slug}-passphrase` };
  const left = bodyOf(
    await admin.POST('/api/v1/users', { body: { ...leaver, name: 'Leaver', role: 'staff' } }),
    201,
    'create leaver',
  );
  expectEmpty(await admin.DELETE('/api/v1/users/{id}', { params: { path: { id: left.id } } }), 'deactivate');
  const refused = await anonymous.POST('/api/v1/auth/login', {
    params: { header: { 'X-Tenant-ID': slug } },
    body: leaver,
  });
  expectProblem(refused, 401, 'a deactivated user signs in');
}

async function leads(manager: Api, staff: Api, ids: Record<TenantRole, string>): Promise<string[]> {
  const made: Schemas['LeadView'][] = [];
  for (const [caller, body] of [
    [staff, { name: 'Wile E. Coyote', email: 'wile@acme.test', company: 'Acme', source: 'website' }],
    [manager, { name: 'Road Runner', company: 'Desert Inc', status: 'contacted' }],
    [manager, { name: 'Marvin Martian', phone: '+1 555 0100', status: 'qualified' }],
  ] as const) {
    const created = await caller.POST('/api/v1/leads', { body });
    const lead = bodyOf(created, 201, 'create lead');
    assert.equal(created.response.headers.get('location'), `/api/v1/leads/${lead.id}`);
    made.push(lead);
  }
  const [wile, runner, marvin] = made;
  assert.equal(wile.ownerId, ids.staff, 'a staff lead is owned by its creator');

  const ownOnly = bodyOf(await staff.GET('/api/v1/leads'), 200, 'staff lists leads');
  same(
    ownOnly.data.map((lead) => lead.id),
    [wile.id],
  );
  expectProblem(
    await staff.GET('/api/v1/leads/{id}', { params: { path: { id: runner.id } } }),
    404,
    "staff reads another's lead",
  );
  const contacted = bodyOf(
    await manager.GET('/api/v1/leads', { params: { query: { status: 'contacted' } } }),
    200,
    'leads by status',
  );
  same(
    contacted.data.map((lead) => lead.id),
    [runner.id],
  );
  const searched = bodyOf(await manager.GET('/api/v1/leads', { params: { query: { q: 'acme' } } }), 200, 'q');
  same(
    searched.data.map((lead) => lead.id),
    [wile.id],
  );
  const byOwner = bodyOf(
    await manager.GET('/api/v1/leads', { params: { query: { ownerId: ids.staff } } }),
    200,
    'leads by owner',
  );
  assert.equal(byOwner.meta.total, 1);
  const sorted = bodyOf(
    await manager.GET('/api/v1/leads', { params: { query: { sort: '-name', limit: 2, page: 1 } } }),
    200,
    'leads sorted',
  );
  same(
    sorted.data.map((lead) => lead.name),
    ['Wile E. Coyote', 'Road Runner'],
  );
  const second = bodyOf(
    await manager.GET('/api/v1/leads', { params: { query: { sort: '-name', limit: 2, page: 2 } } }),
    200,
    'leads page 2',
  );
  same([second.data.map((lead) => lead.name), second.meta.total], [['Marvin Martian'], 3]);

  await revisions(staff, wile.id);
  expectProblem(
    await staff.POST('/api/v1/leads/{id}/assign', {
      params: { path: { id: wile.id } },
      body: { ownerId: ids.manager },
    }),
    403,
    'staff assigns',
  );
  const assigned = await manager.POST('/api/v1/leads/{id}/assign', {
    params: { path: { id: runner.id } },
    body: { ownerId: ids.staff },
  });
  assert.equal(bodyOf(assigned, 200, 'assign lead').ownerId, ids.staff);
  expectProblem(
    await staff.DELETE('/api/v1/leads/{id}', { params: { path: { id: marvin.id } } }),
    403,
    'staff deletes a lead',
  );
  expectEmpty(await manager.DELETE('/api/v1/leads/{id}', { params: { path: { id: marvin.id } } }), 'delete lead');
  expectProblem(
    await manager.GET('/api/v1/leads/{id}', { params: { path: { id: marvin.id } } }),
    404,
    'a deleted lead',
  );
  return [wile.id, runner.id];
}

/** A lead's ETag: If-None-Match → 304, If-Match guards the update (stale → 412); updatedSince finds it. */
async function revisions(staff: Api, id: string): Promise<void> {
  const read = await staff.GET('/api/v1/leads/{id}', { params: { path: { id } } });
  assert.equal(bodyOf(read, 200, 'get lead').email, 'wile@acme.test');
  const etag = read.response.headers.get('etag');
  assert.ok(etag, 'a lead answer carries its ETag');
  const unchanged = await staff.GET('/api/v1/leads/{id}', {
    params: { path: { id }, header: { 'If-None-Match': etag } },
  });
  assert.equal(unchanged.response.status, 304, 'If-None-Match with the current tag');
  const updated = await staff.PATCH('/api/v1/leads/{id}', {
    params: { path: { id }, header: { 'If-Match': etag } },
    body: { status: 'qualified', phone: null },
  });
  const lead = bodyOf(updated, 200, 'update lead');
  same([lead.status, lead.phone], ['qualified', null]);
  assert.notEqual(updated.response.headers.get('etag'), etag, 'an update changes the tag');
  const stale = await staff.PATCH('/api/v1/leads/{id}', {
    params: { path: { id }, header: { 'If-Match': etag } },
    body: { source: 'stale' },
  });
  expectProblem(stale, 412, 'an update with a stale If-Match');
  const since = await staff.GET('/api/v1/leads', { params: { query: { updatedSince: lead.updatedAt } } });
  same(
    bodyOf(since, 200, 'leads updated since').data.map((row) => row.id),
    [id],
  );
}

/** A retried create with the same Idempotency-Key is answered once: the replay, then 422 for another body. */
async function retries(staff: Api, slug: string): Promise<string> {
  const key = `create-lead-${slug}`;
  const create = (name: string) =>
    staff.POST('/api/v1/leads', { params: { header: { 'Idempotency-Key': key } }, body: { name } });
  const first = await create('Retried Lead');
  const lead = bodyOf(first, 201, 'create with an Idempotency-Key');
  const again = await create('Retried Lead');
  same(
    [bodyOf(again, 201, 'the retried create').id, again.response.headers.get('idempotent-replayed')],
    [lead.id, 'true'],
  );
  assert.equal(again.response.headers.get('location'), first.response.headers.get('location'));
  expectProblem(await create('Another Lead'), 422, 'the same key with another body');
  return lead.id;
}

async function deals(manager: Api, staff: Api, [wileId]: string[], ids: Record<TenantRole, string>): Promise<string[]> {
  const converted = await staff.POST('/api/v1/leads/{id}/convert', {
    params: { path: { id: wileId } },
    body: { amount: '12500.00', currency: 'USD' },
  });
  const fromLead = bodyOf(converted, 201, 'convert');
  same([fromLead.leadId, fromLead.amount, fromLead.currency], [wileId, '12500.00', 'USD']);
  assert.equal(converted.response.headers.get('location'), `/api/v1/deals/${fromLead.id}`);
  const lead = bodyOf(await staff.GET('/api/v1/leads/{id}', { params: { path: { id: wileId } } }), 200, 'lead');
  assert.equal(lead.status, 'converted');

  const big = await manager.POST('/api/v1/deals', {
    body: {
      title: 'Big licence',
      amount: '99000.50',
      currency: 'EUR',
      stage: 'proposal',
      expectedCloseDate: '2026-12-31',
    },
  });
  const bigDeal = bodyOf(big, 201, 'create deal');
  assert.equal(bigDeal.expectedCloseDate, '2026-12-31');
  const small = bodyOf(
    await manager.POST('/api/v1/deals', { body: { title: 'Small add-on', amount: '10.00', currency: 'EUR' } }),
    201,
    'create deal',
  );
  const euro = bodyOf(
    await manager.GET('/api/v1/deals', { params: { query: { currency: 'EUR', sort: '-amount' } } }),
    200,
    'deals by currency',
  );
  same(
    euro.data.map((deal) => deal.id),
    [bigDeal.id, small.id],
  );
  const byLead = bodyOf(await manager.GET('/api/v1/deals', { params: { query: { leadId: wileId } } }), 200, 'leadId');
  same(
    byLead.data.map((deal) => deal.id),
    [fromLead.id],
  );
  const proposals = bodyOf(
    await manager.GET('/api/v1/deals', { params: { query: { stage: 'proposal', q: 'licence' } } }),
    200,
    'deals by stage',
  );
  same(
    proposals.data.map((deal) => deal.id),
    [bigDeal.id],
  );
  const paged = bodyOf(
    await manager.GET('/api/v1/deals', { params: { query: { limit: 1, page: 3, sort: 'createdAt' } } }),
    200,
    'deals page 3',
  );
  same([paged.data.map((deal) => deal.id), paged.meta.total], [[small.id], 3]);
  const staffDeals = bodyOf(
    await staff.GET('/api/v1/deals', { params: { query: { ownerId: ids.staff } } }),
    200,
    'staff deals',
  );
  same(
    staffDeals.data.map((deal) => deal.id),
    [fromLead.id],
  );

  const got = bodyOf(await manager.GET('/api/v1/deals/{id}', { params: { path: { id: bigDeal.id } } }), 200, 'deal');
  assert.equal(got.amount, '99000.50');
  const won = await manager.PATCH('/api/v1/deals/{id}', {
    params: { path: { id: bigDeal.id } },
    body: { stage: 'won' },
  });
  const wonDeal = bodyOf(won, 200, 'win deal');
  assert.ok(wonDeal.stage === 'won' && wonDeal.closedAt !== null, 'a won deal is closed');
  const assigned = await manager.POST('/api/v1/deals/{id}/assign', {
    params: { path: { id: small.id } },
    body: { ownerId: ids.staff },
  });
  assert.equal(bodyOf(assigned, 200, 'assign deal').ownerId, ids.staff);
  expectProblem(
    await staff.DELETE('/api/v1/deals/{id}', { params: { path: { id: small.id } } }),
    403,
    'staff deletes a deal',
  );
  expectEmpty(await manager.DELETE('/api/v1/deals/{id}', { params: { path: { id: small.id } } }), 'delete deal');
  return [fromLead.id, bigDeal.id];
}

async function reports(manager: Api, staff: Api): Promise<void> {
  const summary = bodyOf(await manager.GET('/api/v1/reports/sales-summary'), 200, 'sales summary');
  same(summary.wonAmount, { EUR: '99000.50' });
  const prospecting = summary.byStage.find((row) => row.stage === 'prospecting');
  same([prospecting?.count, prospecting?.amount], [1, { USD: '12500.00' }]);
  const converted = summary.leadsByStatus.find((row) => row.status === 'converted');
  assert.equal(converted?.count, 1);
  const ranged = await manager.GET('/api/v1/reports/sales-summary', {
    params: { query: { from: '2000-01-01T00:00:00.000Z', to: '2000-12-31T00:00:00.000Z' } },
  });
  same(bodyOf(ranged, 200, 'an empty range').wonAmount, {});
  expectProblem(await staff.GET('/api/v1/reports/sales-summary'), 403, 'staff reads reports');
}

/** Analytics of the day's records (this year), and a lead score the tenant has too few closed leads for. */
async function analytics(manager: Api, staff: Api, [wileId]: string[]): Promise<void> {
  const year = new Date().getUTCFullYear();
  const period = { from: `${year}-01-01`, to: `${year + 1}-01-01` };
  const pipeline = bodyOf(
    await manager.GET('/api/v1/analytics/pipeline', { params: { query: { ...period, interval: 'month' } } }),
    200,
    'pipeline',
  );
  assert.equal(pipeline.intervals.length, 12);
  const lastMonth = pipeline.intervals[11].stages;
  same(
    lastMonth.map((row) => row.stage),
    ['prospecting', 'proposal', 'negotiation', 'won', 'lost'],
  );
  const funnel = bodyOf(await manager.GET('/api/v1/analytics/funnel', { params: { query: period } }), 200, 'funnel');
  same(
    funnel.steps.map((step) => step.status),
    ['new', 'contacted', 'qualified', 'converted'],
  );
  assert.ok(funnel.steps[3].count >= 1, 'a converted lead');
  const winRate = bodyOf(
    await manager.GET('/api/v1/analytics/win-rate', { params: { query: { ...period, groupBy: 'month' } } }),
    200,
    'win rate',
  );
  assert.ok(
    winRate.groups.every((group) => group.winRate === null || group.winRate <= 1),
    'rates are ratios',
  );
  const forecast = bodyOf(await manager.GET('/api/v1/analytics/forecast'), 200, 'forecast');
  same(
    forecast.stages.map((row) => row.stage),
    ['prospecting', 'proposal', 'negotiation'],
  );
  expectProblem(
    await manager.GET('/api/v1/analytics/funnel', { params: { query: { from: period.to, to: period.from } } }),
    400,
    'a reversed period',
  );
  expectProblem(await staff.GET('/api/v1/analytics/forecast'), 403, 'staff reads analytics');
  expectProblem(await manager.POST('/api/v1/analytics/models/lead-score/train', { body: {} }), 409, 'too few to train');
  expectProblem(
    await manager.GET('/api/v1/leads/{id}/score', { params: { path: { id: wileId } } }),
    409,
    'no model to score with',
  );
}

/** A key is shown once, works through X-API-Key within its scopes, and stops when revoked. */
async function apiKeys(admin: Api, client: (headers?: Record<string, string>) => Api): Promise<void> {
  const created = await admin.POST('/api/v1/api-keys', {
    body: { name: 'Sync', scopes: ['leads:read', 'deals:read'] },
  });
  const key = bodyOf(created, 201, 'create key');
  same(key.scopes, ['leads:read', 'deals:read']);
  const listed = bodyOf(
    await admin.GET('/api/v1/api-keys', { params: { query: { sort: '-createdAt' } } }),
    200,
    'keys',
  );
  assert.ok(
    listed.data.some((row) => row.id === key.id && key.key.startsWith(row.keyPrefix)),
    'the key is listed',
  );
  const consumer = client({ 'x-api-key': key.key });
  const leadsPage = bodyOf(await consumer.GET('/api/v1/leads'), 200, 'leads with a key');
  assert.equal(leadsPage.meta.total, 2);
  bodyOf(await consumer.GET('/api/v1/deals', { params: { query: { limit: 1 } } }), 200, 'deals with a key');
  expectProblem(await consumer.POST('/api/v1/leads', { body: { name: 'Not in scope' } }), 403, 'a write, read scope');
  expectProblem(await consumer.GET('/api/v1/users'), 403, 'users without the scope');
  expectEmpty(await admin.DELETE('/api/v1/api-keys/{id}', { params: { path: { id: key.id } } }), 'revoke key');
  expectProblem(await consumer.GET('/api/v1/leads'), 401, 'a revoked key');
}

/**
 * Webhook endpoints: created inactive (an IP-literal public URL needs no DNS and, inactive, is
 * never contacted), read, changed, rotated, their attempt log, a retry of an unknown attempt, deleted.
 */
async function webhooks(admin: Api, manager: Api): Promise<void> {
  const created = await admin.POST('/api/v1/webhooks', {
    body: { url: 'https://1.1.1.1/tessera-journey', events: ['lead.*'], active: false },
  });
  const hook = bodyOf(created, 201, 'create webhook');
  assert.equal(created.response.headers.get('location'), `/api/v1/webhooks/${hook.id}`);
  assert.ok(hook.secret.startsWith('whsec_'), 'the secret is shown once');
  const path = { path: { id: hook.id } };
  const listed = bodyOf(
    await admin.GET('/api/v1/webhooks', { params: { query: { sort: '-createdAt' } } }),
    200,
    'hooks',
  );
  assert.ok(
    listed.data.some((row) => row.id === hook.id),
    'the webhook is listed',
  );
  const read = await admin.GET('/api/v1/webhooks/{id}', { params: path });
  same(bodyOf(read, 200, 'webhook').events, ['lead.*']);
  const changed = bodyOf(
    await admin.PATCH('/api/v1/webhooks/{id}', {
      params: { ...path, header: { 'If-Match': read.response.headers.get('etag') ?? '*' } },
      body: { events: ['lead.created', 'deal.*'] },
    }),
    200,
    'change webhook',
  );
  same(changed.events, ['lead.created', 'deal.*']);
  const rotated = bodyOf(await admin.POST('/api/v1/webhooks/{id}/rotate-secret', { params: path }), 200, 'rotate');
  assert.notEqual(rotated.secret, hook.secret);
  const attempts = bodyOf(
    await admin.GET('/api/v1/webhooks/{id}/deliveries', { params: { ...path, query: { status: 'failed' } } }),
    200,
    'attempts',
  );
  assert.equal(attempts.meta.total, 0);
  expectProblem(
    await admin.POST('/api/v1/webhooks/{id}/deliveries/{deliveryId}/retry', {
      params: { path: { id: hook.id, deliveryId: hook.id } },
    }),
    404,
    'retry an unknown attempt',
  );
  expectProblem(await manager.GET('/api/v1/webhooks'), 403, 'a manager lists webhooks');
  expectEmpty(await admin.DELETE('/api/v1/webhooks/{id}', { params: path }), 'delete webhook');
}

/** Refresh rotates the pair (a spent token is refused), logout ends the family. */
async function sessions(
  client: (headers?: Record<string, string>) => Api,
  anonymous: Api,
  tenant: Onboarded,
): Promise<void> {
  // A session of its own: re-using the spent token revokes its whole family, access tokens too.
  const { refreshToken } = await signIn(anonymous, tenant.slug, tenant.admin);
  const rotated = await anonymous.POST('/api/v1/auth/refresh', { body: { refreshToken } });
  const pair = bodyOf(rotated, 200, 'refresh');
  assert.notEqual(pair.refreshToken, refreshToken);
  expectProblem(await anonymous.POST('/api/v1/auth/refresh', { body: { refreshToken } }), 401, 'a spent token');
  const fresh = await signIn(anonymous, tenant.slug, tenant.admin);
  expectEmpty(await client(bearer(fresh.accessToken)).POST('/api/v1/auth/logout'), 'logout');
  expectProblem(
    await anonymous.POST('/api/v1/auth/refresh', { body: { refreshToken: fresh.refreshToken } }),
    401,
    'refresh after logout',
  );
}

async function auditLogs(admin: Api, manager: Api): Promise<void> {
  const all = bodyOf(await admin.GET('/api/v1/audit-logs', { params: { query: { limit: 100 } } }), 200, 'audit');
  assert.ok(all.meta.total > 0 && all.data.length > 0, 'the trail has entries');
  const first = all.data.find((entry) => entry.outcome === 'success');
  assert.ok(first, 'a successful action is audited');
  const same = bodyOf(
    await admin.GET('/api/v1/audit-logs', { params: { query: { action: first.action, outcome: 'success' } } }),
    200,
    'audit by action',
  );
  assert.ok(
    same.data.length > 0 && same.data.every((entry) => entry.action === first.action && entry.outcome === 'success'),
    'filtered by action and outcome',
  );
  const none = bodyOf(
    await admin.GET('/api/v1/audit-logs', {
      params: { query: { from: '2000-01-01T00:00:00.000Z', to: '2000-01-02T00:00:00.000Z' } },
    }),
    200,
    'audit, empty range',
  );
  assert.equal(none.meta.total, 0);
  expectProblem(await manager.GET('/api/v1/audit-logs'), 403, 'a manager reads the audit');
}

/** The event log by cursor, staff's share of it, and the stream read briefly from a cursor. */
async function events(manager: Api, staff: Api): Promise<void> {
  const log = bodyOf(await manager.GET('/api/v1/events', { params: { query: { limit: 100 } } }), 200, 'events');
  const last = log.data.at(-1);
  assert.ok(last && log.meta.page === 1 && log.meta.nextAfter === last.seq, 'the log has events and a cursor');
  const after = bodyOf(
    await manager.GET('/api/v1/events', { params: { query: { after: String(last.seq) } } }),
    200,
    'events after the last',
  );
  same([after.data.length, after.meta.nextAfter], [0, last.seq], 'nothing after the last seq');
  const own = bodyOf(await staff.GET('/api/v1/events', { params: { query: { limit: 100 } } }), 200, 'staff events');
  assert.ok(own.data.length < log.data.length, 'staff see only their records');
  const abort = new AbortController();
  // A buffering proxy (Prism's) holds an endless answer until it ends: there the stream is walked, not read.
  const timer = setTimeout(() => abort.abort(), 3_000);
  const stream = await manager
    .GET('/api/v1/events/stream', {
      params: { query: { after: String(last.seq - 1) } },
      parseAs: 'stream',
      signal: abort.signal,
    })
    .catch(() => undefined)
    .finally(() => clearTimeout(timer));
  if (!stream) return;
  assert.equal(stream.response.status, 200);
  assert.match(stream.response.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.ok(stream.response.body, 'the stream has a body');
  const reader = stream.response.body.getReader();
  let text = '';
  while (!text.includes(`id: ${last.seq}\n`)) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += new TextDecoder().decode(chunk.value);
  }
  abort.abort();
  await reader.cancel().catch(() => undefined);
  assert.ok(text.includes(`event: ${last.type}\n`), 'the stream resumes after the cursor');
}

/** Polls `read` until `done` says so (jobs run in the background), for at most 30 s. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    assert.ok(Date.now() < deadline, `${what}: not done in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A zip starts with a local file header, `PK\x03\x04`. */
function isZip(data: ArrayBuffer): boolean {
  const head = new Uint8Array(data, 0, 4);
  return head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** A custom field of leads: defined, listed, read, changed, used on a lead, archived; the tenant's document. */
async function customFields(admin: Api, manager: Api): Promise<void> {
  const body = {
    entity: 'lead' as const,
    key: 'industry',
    label: 'Industry',
    type: 'select' as const,
    options: ['space'],
  };
  const created = await admin.POST('/api/v1/custom-fields', { body });
  const field = bodyOf(created, 201, 'create custom field');
  assert.equal(created.response.headers.get('location'), '/api/v1/custom-fields/lead/industry');
  expectProblem(await manager.POST('/api/v1/custom-fields', { body }), 403, 'a manager defines a field');
  const listed = bodyOf(
    await manager.GET('/api/v1/custom-fields', { params: { query: { entity: 'lead' } } }),
    200,
    'fields',
  );
  assert.ok(
    listed.data.some((item) => item.key === field.key),
    'the field is listed',
  );
  const path = { path: { entity: 'lead' as const, key: 'industry' } };
  bodyOf(await manager.GET('/api/v1/custom-fields/{entity}/{key}', { params: path }), 200, 'get custom field');
  const changed = bodyOf(
    await admin.PATCH('/api/v1/custom-fields/{entity}/{key}', { params: path, body: { options: ['space', 'roads'] } }),
    200,
    'change custom field',
  );
  same(changed.options, ['space', 'roads']);
  const lead = bodyOf(
    await manager.POST('/api/v1/leads', { body: { name: 'Custom', customFields: { industry: 'roads' } } }),
    201,
    'lead with a custom value',
  );
  same(lead.customFields, { industry: 'roads' });
  const document = bodyOf(await manager.GET('/api/v1/openapi.json'), 200, "the tenant's document");
  assert.ok(JSON.stringify(document).includes('industry'), 'the document names the field');
  expectEmpty(await admin.DELETE('/api/v1/custom-fields/{entity}/{key}', { params: path }), 'archive custom field');
  expectEmpty(await manager.DELETE('/api/v1/leads/{id}', { params: { path: { id: lead.id } } }), 'delete the lead');
}

/** An export of the whole tenant, and a person's access and erase requests. */
async function dataRights(admin: Api, manager: Api, slug: string): Promise<void> {
  const created = await admin.POST('/api/v1/exports');
  const accepted = bodyOf(created, 202, 'create export');
  assert.equal(created.response.headers.get('location'), `/api/v1/exports/${accepted.id}`);
  const path = { path: { id: accepted.id } };
  const ready = await until(
    async () => bodyOf(await admin.GET('/api/v1/exports/{id}', { params: path }), 200, 'export'),
    (view) => view.status === 'ready' || view.status === 'failed',
    'export',
  );
  assert.equal(ready.status, 'ready', `export: ${ready.error}`);
  assert.ok(
    ready.manifest?.tables.some((table) => table.name === 'leads' && table.rows === 2),
    'leads exported',
  );
  const zip = await admin.GET('/api/v1/exports/{id}/download', { params: path, parseAs: 'arrayBuffer' });
  assert.ok(isZip(bodyOf(zip, 200, 'download export')), 'the export is a zip');
  expectProblem(await manager.POST('/api/v1/exports'), 403, 'a manager exports');

  const email = 'wile@acme.test'; // a lead of every tenant (leads())
  const access = bodyOf(
    await admin.POST('/api/v1/privacy/requests', { body: { type: 'access', email } }),
    202,
    'access request',
  );
  const accessPath = { path: { id: access.id } };
  const answered = await until(
    async () => bodyOf(await admin.GET('/api/v1/privacy/requests/{id}', { params: accessPath }), 200, 'access'),
    (view) => view.status === 'done' || view.status === 'failed',
    'access request',
  );
  assert.equal(answered.status, 'done', `access request: ${answered.error}`);
  assert.equal(answered.result?.leads, 1, "the tenant's own lead with that e-mail");
  const accessZip = await admin.GET('/api/v1/privacy/requests/{id}/download', {
    params: accessPath,
    parseAs: 'arrayBuffer',
  });
  assert.ok(isZip(bodyOf(accessZip, 200, 'download access zip')), 'the access answer is a zip');
  const erase = bodyOf(
    await admin.POST('/api/v1/privacy/requests', { body: { type: 'erase', email: `nobody@${slug}.test` } }),
    202,
    'erase request',
  );
  const erased = await until(
    async () =>
      bodyOf(await admin.GET('/api/v1/privacy/requests/{id}', { params: { path: { id: erase.id } } }), 200, 'erase'),
    (view) => view.status === 'done' || view.status === 'failed',
    'erase request',
  );
  same([erased.status, erased.email, erased.result?.leads], ['done', null, 0], 'erase of nobody');
  expectProblem(
    await manager.POST('/api/v1/privacy/requests', { body: { type: 'access', email } }),
    403,
    'a manager asks for access',
  );
}

/** Neither tenant sees the other: foreign ids are 404, a token on the other tenant 403. */
async function isolation(
  client: (headers?: Record<string, string>) => Api,
  alpha: TenantSide,
  beta: TenantSide,
): Promise<void> {
  for (const [own, other] of [
    [alpha, beta],
    [beta, alpha],
  ]) {
    const manager = client(bearer(own.tokens.manager));
    for (const id of other.leadIds)
      expectProblem(await manager.GET('/api/v1/leads/{id}', { params: { path: { id } } }), 404, 'a foreign lead');
    for (const id of other.dealIds)
      expectProblem(await manager.GET('/api/v1/deals/{id}', { params: { path: { id } } }), 404, 'a foreign deal');
    const listed = bodyOf(await manager.GET('/api/v1/leads'), 200, 'own leads');
    assert.ok(
      listed.data.every((lead) => !other.leadIds.includes(lead.id)),
      'no foreign lead listed',
    );
    const crossed = client({ ...bearer(own.tokens.manager), 'x-tenant-id': other.slug });
    expectProblem(await crossed.GET('/api/v1/leads'), 403, 'a token on the other tenant');
  }
}

/**
 * Support access: off refuses, approval waits for a company admin (approve, start once, deny), always
 * starts at once; the session token acts as the user, says so in X-Impersonated-By, and fails once
 * the tenant ends the session.
 */
async function supportAccess(client: (headers?: Record<string, string>) => Api, platform: Api, alpha: TenantSide) {
  const admin = client(bearer(alpha.tokens.company_admin));
  const settings = bodyOf(await admin.GET('/api/v1/settings/support-access'), 200, 'support settings');
  same([settings.mode, settings.maxMinutes], ['off', 60]);
  const staff = bodyOf(await admin.GET('/api/v1/users', { params: { query: { role: 'staff' } } }), 200, 'staff');
  const tenantPath = { path: { slug: alpha.slug } };
  const body = { userId: staff.data[0].id, reason: 'Ticket 1: the report looks wrong', minutes: 10 };
  const ask = () => platform.POST('/api/v1/platform/tenants/{slug}/impersonations', { params: tenantPath, body });
  expectProblem(await ask(), 403, 'support access off');
  const approval = await admin.PUT('/api/v1/settings/support-access', { body: { mode: 'approval', maxMinutes: 30 } });
  assert.equal(bodyOf(approval, 200, 'approval mode').mode, 'approval');

  const asked = bodyOf(await ask(), 202, 'ask for support access');
  assert.equal(asked.status, 'pending');
  const sessionPath = { path: { id: asked.id } };
  const approved = await admin.POST('/api/v1/support-access/sessions/{id}/approve', { params: sessionPath });
  assert.equal(bodyOf(approved, 200, 'approve').status, 'approved');
  const platformPath = { path: { slug: alpha.slug, id: asked.id } };
  const seen = await platform.GET('/api/v1/platform/tenants/{slug}/impersonations/{id}', { params: platformPath });
  assert.equal(bodyOf(seen, 200, 'impersonation').status, 'approved');
  const started = await platform.POST('/api/v1/platform/tenants/{slug}/impersonations/{id}/start', {
    params: platformPath,
  });
  const token = bodyOf(started, 201, 'start').accessToken;
  const me = await client(bearer(token)).GET('/api/v1/auth/me');
  assert.equal(bodyOf(me, 200, 'me in a session').id, body.userId);
  assert.ok(me.response.headers.get('x-impersonated-by'), 'a session answer names the platform user');
  const listed = bodyOf(await admin.GET('/api/v1/support-access/sessions'), 200, 'support sessions');
  assert.ok(
    listed.data.some((row) => row.id === asked.id && row.status === 'active'),
    'the session is listed',
  );
  expectEmpty(await admin.DELETE('/api/v1/support-access/sessions/{id}', { params: sessionPath }), 'end session');
  expectProblem(await client(bearer(token)).GET('/api/v1/auth/me'), 401, 'an ended session');

  const denied = bodyOf(await ask(), 202, 'ask again');
  const refusal = await admin.POST('/api/v1/support-access/sessions/{id}/deny', {
    params: { path: { id: denied.id } },
  });
  assert.equal(bodyOf(refusal, 200, 'deny').status, 'denied');

  await admin.PUT('/api/v1/settings/support-access', { body: { mode: 'always', maxMinutes: 30 } });
  const always = bodyOf(await ask(), 201, 'support access at once');
  assert.ok(always.status === 'active' && 'accessToken' in always, 'always answers the token');
  const off = await admin.PUT('/api/v1/settings/support-access', { body: { mode: 'off', maxMinutes: 30 } });
  assert.equal(bodyOf(off, 200, 'support access off again').mode, 'off');
}

/** The platform side: tenants listed, read, suspended and resumed, retry refused, offboarding. */
async function platformDay(
  client: (headers?: Record<string, string>) => Api,
  anonymous: Api,
  platform: Api,
  admin: Credentials,
  alpha: TenantSide,
  beta: TenantSide,
): Promise<void> {
  const listed = bodyOf(
    await platform.GET('/api/v1/platform/tenants', {
      params: { query: { status: 'active', sort: 'slug', limit: 100 } },
    }),
    200,
    'tenants',
  );
  const slugs = listed.data.map((tenant) => tenant.slug);
  assert.ok(slugs.includes(alpha.slug) && slugs.includes(beta.slug), 'both tenants listed');
  const suspended = await platform.POST('/api/v1/platform/tenants/{slug}/suspend', {
    params: { path: { slug: beta.slug } },
  });
  assert.equal(bodyOf(suspended, 200, 'suspend').status, 'suspended');
  const refused = await client(bearer(beta.tokens.manager)).GET('/api/v1/leads');
  expectProblem(refused, 403, 'a suspended tenant');
  // A suspended tenant's data still leaves with the platform team.
  const tenantPath = { path: { slug: beta.slug } };
  const exporting = await platform.POST('/api/v1/platform/tenants/{slug}/exports', { params: tenantPath });
  const tenantExport = bodyOf(exporting, 202, 'export a suspended tenant');
  const exportPath = { path: { slug: beta.slug, id: tenantExport.id } };
  const exportReady = await until(
    async () =>
      bodyOf(await platform.GET('/api/v1/platform/tenants/{slug}/exports/{id}', { params: exportPath }), 200, 'export'),
    (view) => view.status === 'ready' || view.status === 'failed',
    'platform export',
  );
  assert.equal(exportReady.status, 'ready', `platform export: ${exportReady.error}`);
  const platformZip = await platform.GET('/api/v1/platform/tenants/{slug}/exports/{id}/download', {
    params: exportPath,
    parseAs: 'arrayBuffer',
  });
  assert.ok(isZip(bodyOf(platformZip, 200, 'download a platform export')), 'the platform export is a zip');
  const resumed = await platform.POST('/api/v1/platform/tenants/{slug}/resume', {
    params: { path: { slug: beta.slug } },
  });
  assert.equal(bodyOf(resumed, 200, 'resume').status, 'active');
  bodyOf(await client(bearer(beta.tokens.manager)).GET('/api/v1/leads'), 200, 'a resumed tenant');
  expectProblem(
    await platform.POST('/api/v1/platform/tenants/{slug}/retry', { params: { path: { slug: alpha.slug } } }),
    409,
    'retry an active tenant',
  );
  // Plans: a plan of this run, alpha moved onto it, its usage read back by alpha's company admin.
  const planCode = `plan-${alpha.slug}`.slice(0, 31);
  const plan = bodyOf(
    await platform.POST('/api/v1/platform/plans', {
      body: { code: planCode, name: 'Journey', limits: { leads: 1000, users: 20 }, features: ['exports'] },
    }),
    201,
    'create a plan',
  );
  assert.equal(plan.version, 1);
  const plans = bodyOf(await platform.GET('/api/v1/platform/plans'), 200, 'plans');
  assert.ok(
    plans.data.some((listed) => listed.code === planCode),
    'the new plan is listed',
  );
  const patched = bodyOf(
    await platform.PATCH('/api/v1/platform/plans/{code}', {
      params: { path: { code: planCode } },
      body: { limits: { users: null, deals: 500 } },
    }),
    200,
    'change a plan',
  );
  same([patched.version, patched.limits], [2, { leads: 1000, deals: 500 }], 'the changed plan');
  assert.equal(
    bodyOf(await platform.GET('/api/v1/platform/plans/{code}', { params: { path: { code: planCode } } }), 200, 'plan')
      .version,
    2,
  );
  const versions = bodyOf(
    await platform.GET('/api/v1/platform/plans/{code}/versions', { params: { path: { code: planCode } } }),
    200,
    'plan versions',
  );
  same(
    versions.data.map((version) => version.version),
    [2, 1],
    'plan versions',
  );
  const moved = await platform.PUT('/api/v1/platform/tenants/{slug}/plan', {
    params: { path: { slug: alpha.slug } },
    body: { plan: planCode },
  });
  assert.equal(bodyOf(moved, 200, 'move a tenant to a plan').plan, planCode);
  const usage = bodyOf(await client(bearer(alpha.tokens.company_admin)).GET('/api/v1/usage'), 200, 'usage');
  same([usage.plan, usage.limits.deals, usage.used.leads], [planCode, 500, alpha.leadIds.length], 'usage');
  const trail = bodyOf(
    await platform.GET('/api/v1/platform/audit-logs', { params: { query: { action: 'platform.plan.create' } } }),
    200,
    'the platform trail',
  );
  assert.ok(
    trail.data.some((entry) => entry.outcome === 'success'),
    'the plan made above is in the platform trail',
  );
  // Relocation (test/relocation.e2e-spec.ts moves tenants between two servers; this deployment has one).
  const home = bodyOf(
    await platform.GET('/api/v1/platform/tenants/{slug}', { params: { path: { slug: alpha.slug } } }),
    200,
    'tenant',
  ).dbServer;
  expectProblem(
    await platform.POST('/api/v1/platform/tenants/{slug}/relocations', {
      params: { path: { slug: alpha.slug } },
      body: { targetServer: home },
    }),
    400,
    'relocate to the same server',
  );
  const relocations = bodyOf(
    await platform.GET('/api/v1/platform/tenants/{slug}/relocations', { params: { path: { slug: alpha.slug } } }),
    200,
    'relocations',
  );
  same(relocations.data, [], 'no relocation');
  const unknownRelocation = { slug: alpha.slug, id: '00000000-0000-4000-8000-000000000000' };
  expectProblem(
    await platform.GET('/api/v1/platform/tenants/{slug}/relocations/{id}', { params: { path: unknownRelocation } }),
    404,
    'an unknown relocation',
  );
  expectProblem(
    await platform.POST('/api/v1/platform/tenants/{slug}/relocations/{id}/abort', {
      params: { path: unknownRelocation },
    }),
    404,
    'abort an unknown relocation',
  );
  // What the ops console reads: servers, a tenant's usage and support sessions, the fleet's schema status.
  const servers = bodyOf(await platform.GET('/api/v1/platform/servers'), 200, 'servers');
  assert.ok(
    servers.data.some((server) => server.name === home && server.tenants >= 1),
    "the tenant's server is listed with its tenants",
  );
  const tenantUsage = bodyOf(
    await platform.GET('/api/v1/platform/tenants/{slug}/usage', { params: { path: { slug: alpha.slug } } }),
    200,
    "a tenant's usage, platform side",
  );
  same([tenantUsage.plan, tenantUsage.used.leads], [planCode, alpha.leadIds.length], 'platform usage');
  const supportSessions = bodyOf(
    await platform.GET('/api/v1/platform/tenants/{slug}/impersonations', { params: { path: { slug: alpha.slug } } }),
    200,
    "a tenant's support sessions",
  );
  assert.ok(supportSessions.meta.total >= 1, 'the support requests made above are listed');
  const fleet = bodyOf(await platform.GET('/api/v1/platform/migrations'), 200, 'fleet migrations');
  same(fleet.behind, 0, 'no tenant behind');
  const run = await platform.POST('/api/v1/platform/migrations', { body: {} });
  assert.equal(run.response.headers.get('location'), '/api/v1/platform/migrations');
  assert.equal(bodyOf(run, 202, 'start a fleet migration').target, fleet.latest);
  const offboarding = await platform.DELETE('/api/v1/platform/tenants/{slug}', {
    params: { path: { slug: beta.slug } },
  });
  bodyOf(offboarding, 202, 'offboard');
  await waitFor(platform, beta.slug, 'offboarded');

  const platformPair = bodyOf(await anonymous.POST('/api/v1/platform/auth/login', { body: admin }), 200, 'login');
  const rotated = await anonymous.POST('/api/v1/platform/auth/refresh', {
    body: { refreshToken: platformPair.refreshToken },
  });
  const pair = bodyOf(rotated, 200, 'platform refresh');
  expectEmpty(await client(bearer(pair.accessToken)).POST('/api/v1/platform/auth/logout'), 'platform logout');
  expectProblem(
    await anonymous.POST('/api/v1/platform/auth/refresh', { body: { refreshToken: pair.refreshToken } }),
    401,
    'platform refresh after logout',
  );
}

/** Polls a tenant until it reaches `status` (onboarding, offboarding are jobs). */
async function waitFor(platform: Api, slug: string, status: Schemas['TenantStatus']): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const tenant = bodyOf(
      await platform.GET('/api/v1/platform/tenants/{slug}', { params: { path: { slug } } }),
      200,
      'tenant',
    );
    if (tenant.status === status) return;
    assert.ok(tenant.status !== 'failed', `tenant ${slug} failed: ${tenant.error ?? ''}`);
    assert.ok(Date.now() < deadline, `tenant ${slug} not ${status} in 30 s (is ${tenant.status})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
