import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { Response } from 'supertest';
import { IdempotencyLedger } from '@app/auth';
import type { AppConfig } from '@app/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TestApp, TestTenant } from './support/test-app';

const newKey = () => `key-${randomUUID()}`;

function expectProblem(res: Response, status: number, type: RegExp): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toMatch(type);
}

/** API.md "Idempotency", with the records on Redis (every replica) and in this process. */
describe.each([
  ['in this process (no REDIS_URL)', false],
  ['on Redis (REDIS_URL)', true],
])('Idempotency-Key with the records kept %s', (_label, withRedis) => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let platformToken: string;
  let staffToken: string;

  const post = (tenant: TestTenant, path: string, body: object, key?: string, token = tenant.token) => {
    const req = t.as(token, tenant.slug).post(path, body);
    return key === undefined ? req : req.set('idempotency-key', key);
  };
  const count = async (sql: string, params: unknown[], database: string) =>
    Number((await t.sql<{ n: string }>(sql, params, database))[0].n);
  const leadsNamed = (tenant: TestTenant, name: string) =>
    count('select count(*) as n from leads where name = $1', [name], tenant.dbName);

  beforeAll(async () => {
    t = await TestApp.start({
      TENANT_RATE_LIMIT_RPS: '0',
      ...(withRedis ? { REDIS_URL: process.env.TESSERA_TEST_REDIS! } : {}),
    });
    platformToken = await t.platformToken();
    [acme, globex] = await Promise.all([
      t.createTenant('acme', platformToken),
      t.createTenant('globex', platformToken),
    ]);
    const staff = { email: 'staff@acme.test', name: 'Staff', password: 'staff-acme-passphrase', role: 'staff' };
    await post(acme, '/users', staff).expect(201);
    const login = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', acme.slug)
      .send({ email: staff.email, password: staff.password })
      .expect(200);
    staffToken = login.body.accessToken as string;
  });
  afterAll(() => t?.stop());

  it('replays the first answer to the same key and body: same status, Location and id, one row, one audit entry', async () => {
    const key = newKey();
    const body = { name: 'Replayed lead', company: 'Acme' };
    const first = await post(acme, '/leads', body, key).expect(201);
    const again = await post(acme, '/leads', { company: 'Acme', name: 'Replayed lead' }, key).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.body).toEqual(first.body);
    expect(await leadsNamed(acme, 'Replayed lead')).toBe(1);
    expect(await count('select count(*) as n from audit_logs where entity_id = $1', [first.body.id], acme.dbName)).toBe(
      1,
    );
  });

  it('answers 422 to the same key with another body, and runs nothing', async () => {
    const key = newKey();
    await post(acme, '/leads', { name: 'Mismatch first' }, key).expect(201);
    expectProblem(await post(acme, '/leads', { name: 'Mismatch second' }, key), 422, /\/idempotency-key-reused$/);
    expect(await leadsNamed(acme, 'Mismatch second')).toBe(0);
  });

  it('answers 422 to the same key on another route', async () => {
    const key = newKey();
    await post(acme, '/leads', { name: 'Route first' }, key).expect(201);
    const deal = { title: 'Route second', amount: '10.00', currency: 'USD' };
    expectProblem(await post(acme, '/deals', deal, key), 422, /\/idempotency-key-reused$/);
  });

  it('runs exactly one of 20 concurrent requests with one key; the others are 409 or its replay', async () => {
    const key = newKey();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post(acme, '/leads', { name: 'Concurrent lead' }, key)),
    );
    const created = answers.filter((r) => r.status === 201);
    const conflicts = answers.filter((r) => r.status === 409);
    expect(created.length + conflicts.length).toBe(20);
    expect(created.filter((r) => r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    for (const conflict of conflicts) expect(conflict.body.type).toMatch(/\/idempotency-key-in-use$/);
    expect(await leadsNamed(acme, 'Concurrent lead')).toBe(1);
  });

  it('keeps the keys of another caller apart: the same key and body from another user runs again', async () => {
    const key = newKey();
    const admin = await post(acme, '/leads', { name: 'Two callers' }, key).expect(201);
    const staff = await post(acme, '/leads', { name: 'Two callers' }, key, staffToken).expect(201);
    expect(staff.headers['idempotent-replayed']).toBeUndefined();
    expect(staff.body.id).not.toBe(admin.body.id);
    expect(await leadsNamed(acme, 'Two callers')).toBe(2);
  });

  it('keeps an API key apart from the token of the user who made it', async () => {
    const apiKey = (await post(acme, '/api-keys', { name: `idem-${newKey()}`, scopes: ['leads:write'] }).expect(201))
      .body.key as string;
    const key = newKey();
    const byToken = await post(acme, '/leads', { name: 'Token and key' }, key).expect(201);
    const byKey = await t
      .http()
      .post('/api/v1/leads')
      .set('x-api-key', apiKey)
      .set('idempotency-key', key)
      .send({ name: 'Token and key' })
      .expect(201);
    expect(byKey.headers['idempotent-replayed']).toBeUndefined();
    expect(byKey.body.id).not.toBe(byToken.body.id);
    expect(await leadsNamed(acme, 'Token and key')).toBe(2);
  });

  it('keeps the keys of another tenant apart: globex never gets acme’s answer', async () => {
    const key = newKey();
    const inAcme = await post(acme, '/leads', { name: 'Two tenants' }, key).expect(201);
    const inGlobex = await post(globex, '/leads', { name: 'Two tenants' }, key).expect(201);
    expect(inGlobex.headers['idempotent-replayed']).toBeUndefined();
    expect(inGlobex.body.id).not.toBe(inAcme.body.id);
    expect(await leadsNamed(globex, 'Two tenants')).toBe(1);
    expect(await count('select count(*) as n from leads where id = $1', [inAcme.body.id], globex.dbName)).toBe(0);
  });

  it('does not burn the key of a failed request: a retry with a corrected body runs', async () => {
    const key = newKey();
    expectProblem(await post(acme, '/leads', { company: 'No name' }, key), 400, /\/validation$/);
    const retry = await post(acme, '/leads', { name: 'Corrected lead' }, key).expect(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await leadsNamed(acme, 'Corrected lead')).toBe(1);
  });

  it('refuses a key longer than 255 characters with a 400 naming the header', async () => {
    const res = await post(acme, '/leads', { name: 'Long key' }, 'k'.repeat(256));
    expectProblem(res, 400, /\/validation$/);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    expect(await leadsNamed(acme, 'Long key')).toBe(0);
  });

  it('refuses two Idempotency-Key header lines (ambiguous) with a 400 naming the header', async () => {
    // Two lines on the wire, as a proxy that adds its own key might send them.
    const server = t.app.getHttpServer() as Server;
    if (!server.listening) await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const answer = await new Promise<{ status: number; body: { errors?: unknown[] } }>((done, fail) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/leads' }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: JSON.parse(text) as { errors?: unknown[] } }));
      });
      req.on('error', fail);
      req.setHeader('authorization', `Bearer ${acme.token}`);
      req.setHeader('x-tenant-id', acme.slug);
      req.setHeader('content-type', 'application/json');
      req.setHeader('idempotency-key', ['first-key', 'second-key']);
      req.end(JSON.stringify({ name: 'Two keys' }));
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    expect(await leadsNamed(acme, 'Two keys')).toBe(0);
  });

  it('accepts a key of exactly 255 characters', async () => {
    await post(acme, '/leads', { name: 'Longest key' }, 'k'.repeat(255)).expect(201);
    expect(await leadsNamed(acme, 'Longest key')).toBe(1);
  });

  it('ignores the header on sign-in: every sign-in gets fresh tokens', async () => {
    const signIn = () =>
      t
        .http()
        .post('/api/v1/auth/login')
        .set('x-tenant-id', acme.slug)
        .set('idempotency-key', 'sign-in-key')
        .send({ email: acme.admin.email, password: acme.admin.password })
        .expect(200);
    const [first, second] = [await signIn(), await signIn()];
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
  });

  it('creates one API key for 10 concurrent requests with one key, and never keeps or replays its secret', async () => {
    const key = newKey();
    const name = `secret-${key}`;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => post(acme, '/api-keys', { name, scopes: ['leads:read'] }, key)),
    );
    const created = answers.filter((a) => a.status === 201);
    expect(created).toHaveLength(1);
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    const retry = await post(acme, '/api-keys', { name, scopes: ['leads:read'] }, key).expect(409);
    expect(retry.body.type).toMatch(/\/idempotency-key-secret-shown$/);
    expect(retry.headers.location).toBe(created[0].headers.location);
    expect(JSON.stringify(retry.body)).not.toContain(created[0].body.key as string);
    expect(await count('select count(*) as n from api_keys where name = $1', [name], acme.dbName)).toBe(1);
  });

  it('documents the header on exactly the POSTs it applies to, with Idempotent-Replayed, 409 and 422', async () => {
    type Operation = {
      parameters?: { name: string; in: string; schema?: { maxLength?: number } }[];
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    const doc = (await t.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, Operation>>;
    };
    const keyed = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, op]) => op.parameters?.some((p) => p.name === 'Idempotency-Key' && p.in === 'header'))
        .map(([method]) => `${method} ${path}`),
    );
    expect(keyed.every((operation) => operation.startsWith('post '))).toBe(true);
    expect(keyed).toEqual(expect.arrayContaining(['post /api/v1/leads', 'post /api/v1/platform/tenants']));
    for (const secret of ['/auth/login', '/auth/refresh', '/platform/auth/login'])
      expect(keyed).not.toContain(`post /api/v1${secret}`);
    // Runs once too, but a retry is a 409 (the secret is never kept): no replay header on its 201.
    expect(keyed).toContain('post /api/v1/api-keys');
    expect(doc.paths['/api/v1/api-keys'].post.responses['201'].headers).not.toHaveProperty('Idempotent-Replayed');
    const createLead = doc.paths['/api/v1/leads'].post;
    expect(createLead.parameters?.find((p) => p.name === 'Idempotency-Key')?.schema?.maxLength).toBe(255);
    expect(Object.keys(createLead.responses['201'].headers ?? {})).toContain('Idempotent-Replayed');
    expect(Object.keys(createLead.responses)).toEqual(expect.arrayContaining(['409', '422']));
  });

  it('replays a platform onboarding with its 202: one tenant, one platform audit entry', async () => {
    const key = newKey();
    const slug = `replayed-${t.id}`;
    const body = {
      slug,
      name: 'Replayed',
      adminEmail: 'admin@replayed.test',
      adminName: 'A',
      adminPassword: 'replayed-passphrase',
    };
    const onboard = () =>
      t
        .http()
        .post('/api/v1/platform/tenants')
        .set('authorization', `Bearer ${platformToken}`)
        .set('idempotency-key', key)
        .send(body);
    const first = await onboard().expect(202);
    const again = await onboard().expect(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    await t.waitForStatus(slug, 'active', platformToken);
    const catalog = `tessera_test_${t.id}`;
    expect(await count('select count(*) as n from tenants where slug = $1', [slug], catalog)).toBe(1);
    expect(
      await count(
        "select count(*) as n from platform_audit_logs where action = 'platform.tenant.create' and entity_id = $1",
        [slug],
        catalog,
      ),
    ).toBe(1);
  });
});

describe('IdempotencyLedger on a real Redis', () => {
  let ledger: IdempotencyLedger;
  const prefix = `idem${randomUUID().slice(0, 8)}_`;
  const LEASE_MS = 3000;
  const ledgerConfig = {
    tenantDbPrefix: prefix,
    requestTimeoutMs: 30_000,
    idempotencyLeaseMs: LEASE_MS,
    redisUrl: process.env.TESSERA_TEST_REDIS,
  } as AppConfig;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const request = () => ({ id: randomUUID() }) as unknown as FastifyRequest;
  const reply = (statusCode: number, headers: Record<string, string> = {}) =>
    ({ statusCode, getHeader: (name: string) => headers[name] }) as unknown as FastifyReply;

  beforeAll(() => {
    ledger = new IdempotencyLedger(ledgerConfig);
  });
  afterAll(async () => {
    const redis = new Redis(process.env.TESSERA_TEST_REDIS!, { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`tessera:${prefix}:idem:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    ledger.onApplicationShutdown();
  });

  it('lets exactly one of 50 concurrent requests with one key run; the others see it running', async () => {
    const key = newKey();
    const kinds = await Promise.all(
      Array.from({ length: 50 }, () => ledger.admit(request(), 'tenant:a:u1:token', key, 'f1').then((a) => a.kind)),
    );
    expect(kinds.filter((k) => k === 'run')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'running')).toHaveLength(49);
  });

  it('replays a settled 2xx answer with its kept headers', async () => {
    const key = newKey();
    const first = request();
    await ledger.admit(first, 'tenant:a:u1:token', key, 'f1');
    await ledger.settle(first, reply(201, { location: '/api/v1/leads/1', 'x-other': 'no' }), '{"id":"1"}');
    expect(await ledger.admit(request(), 'tenant:a:u1:token', key, 'f1')).toEqual({
      kind: 'replay',
      answer: { status: 201, headers: { location: '/api/v1/leads/1' }, body: '{"id":"1"}' },
    });
  });

  it('answers a mismatch to the same key with another fingerprint', async () => {
    const key = newKey();
    await ledger.admit(request(), 'tenant:a:u1:token', key, 'f1');
    expect(await ledger.admit(request(), 'tenant:a:u1:token', key, 'f2')).toEqual({ kind: 'mismatch' });
  });

  it('keeps the key of a request still running past its lease (renewed), and frees it when it fails', async () => {
    const key = newKey();
    const running = request();
    expect(await ledger.admit(running, 'tenant:a:u1:token', key, 'f1')).toEqual({ kind: 'run' });
    await sleep(LEASE_MS * 1.5);
    expect(await ledger.admit(request(), 'tenant:a:u1:token', key, 'f1')).toEqual({ kind: 'running' });
    await ledger.settle(running, reply(500), '{"status":500}');
    expect(await ledger.admit(request(), 'tenant:a:u1:token', key, 'f1')).toEqual({ kind: 'run' });
  });

  it('frees the key of a request whose process died within the lease, not after the longest request', async () => {
    const key = newKey();
    const dying = new IdempotencyLedger(ledgerConfig);
    expect(await dying.admit(request(), 'tenant:a:u1:token', key, 'f1')).toEqual({ kind: 'run' });
    dying.onApplicationShutdown(); // no more renewals, no settle: as a killed replica leaves it
    const died = Date.now();
    expect(await ledger.admit(request(), 'tenant:a:u1:token', key, 'f1')).toEqual({ kind: 'running' });
    let freed = false;
    while (!freed && Date.now() - died < LEASE_MS + 5000) {
      await sleep(100);
      freed = (await ledger.admit(request(), 'tenant:a:u1:token', key, 'f1')).kind === 'run';
    }
    expect(freed).toBe(true);
  });

  it('frees the key of a request that failed', async () => {
    const key = newKey();
    const failed = request();
    await ledger.admit(failed, 'tenant:a:u1:token', key, 'f1');
    await ledger.settle(failed, reply(400), '{"status":400}');
    expect(await ledger.admit(request(), 'tenant:a:u1:token', key, 'f2')).toEqual({ kind: 'run' });
  });
});

/**
 * The tenant database keeps each committed key (idempotency_commits), in the write's own
 * transaction. Two instances without REDIS_URL keep separate ledgers: what one answered, the
 * other does not know, exactly as after an instance died between its commit and its answer.
 */
describe('Idempotency-Key committed in the tenant database (two instances, separate ledgers)', () => {
  let first: TestApp;
  let second: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;

  const post = (app: TestApp, tenant: TestTenant, path: string, body: object, key: string) =>
    app.as(tenant.token, tenant.slug).post(path, body).set('idempotency-key', key);
  const count = async (sql: string, params: unknown[], tenant: TestTenant) =>
    Number((await first.sql<{ n: string }>(sql, params, tenant.dbName))[0].n);
  const leadsNamed = (tenant: TestTenant, name: string) =>
    count('select count(*) as n from leads where name = $1', [name], tenant);

  beforeAll(async () => {
    first = await TestApp.start({ TENANT_RATE_LIMIT_RPS: '0' });
    second = await TestApp.start({ TENANT_RATE_LIMIT_RPS: '0' }, first);
    const pt = await first.platformToken();
    [acme, globex] = await Promise.all([first.createTenant('acme', pt), first.createTenant('globex', pt)]);
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('refuses a retry whose first attempt committed elsewhere: 409 idempotency-key-committed with its Location, one row, one audit entry', async () => {
    const key = newKey();
    const created = await post(first, acme, '/leads', { name: 'Committed once' }, key).expect(201);
    const retry = await post(second, acme, '/leads', { name: 'Committed once' }, key);
    expectProblem(retry, 409, /\/idempotency-key-committed$/);
    expect(retry.headers.location).toBe(created.headers.location);
    expect(await leadsNamed(acme, 'Committed once')).toBe(1);
    const audited = await count(
      "select count(*) as n from audit_logs where action = 'lead.create' and changes->'name'->>'after' = $1",
      ['Committed once'],
      acme,
    );
    expect(audited).toBe(1);
  });

  it('never stores the key itself: the row holds a SHA-256 of the scope and key', async () => {
    const key = newKey();
    await post(first, acme, '/leads', { name: 'Hashed key' }, key).expect(201);
    const rows = await first.sql<{ key: string; entity: string }>(
      'select key, entity from idempotency_commits',
      [],
      acme.dbName,
    );
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.key))).toBe(true);
    expect(rows.some((r) => r.key.includes(key))).toBe(false);
    expect(rows.map((r) => r.entity)).toContain('lead');
  });

  it('answers 422 when the committed key comes back with another body on the other instance', async () => {
    const key = newKey();
    await post(first, acme, '/leads', { name: 'Body one' }, key).expect(201);
    expectProblem(await post(second, acme, '/leads', { name: 'Body two' }, key), 422, /\/idempotency-key-reused$/);
    expect(await leadsNamed(acme, 'Body two')).toBe(0);
  });

  it('writes one lead for 20 concurrent requests with one key spread over both instances', async () => {
    const key = newKey();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(i % 2 ? second : first, acme, '/leads', { name: 'Spread lead' }, key)),
    );
    const fresh = answers.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined);
    expect(fresh).toHaveLength(1);
    for (const answer of answers.filter((r) => r.status !== 201)) {
      expect(answer.status).toBe(409);
      expect(answer.body.type).toMatch(/\/idempotency-key-(in-use|committed)$/);
    }
    expect(await leadsNamed(acme, 'Spread lead')).toBe(1);
  });

  it('keeps tenants apart: the same key and body in globex writes globex’s own lead', async () => {
    const key = newKey();
    await post(first, acme, '/leads', { name: 'Same key elsewhere' }, key).expect(201);
    await post(second, globex, '/leads', { name: 'Same key elsewhere' }, key).expect(201);
    expect(await leadsNamed(acme, 'Same key elsewhere')).toBe(1);
    expect(await leadsNamed(globex, 'Same key elsewhere')).toBe(1);
  });

  it('leaves no record when the transaction fails at commit, so a retry on the other instance runs', async () => {
    const key = newKey();
    // Checked at COMMIT, after the key was recorded: the whole transaction, record included, rolls back.
    await first.sql(
      `create function refuse_lead() returns trigger language plpgsql as $$
         begin raise exception 'refused at commit'; end $$;
       create constraint trigger refuse_lead after insert on leads deferrable initially deferred
         for each row when (new.name = 'Fails at commit') execute function refuse_lead()`,
      [],
      acme.dbName,
    );
    const records = () => count('select count(*) as n from idempotency_commits', [], acme);
    const before = await records();
    try {
      const failed = await post(first, acme, '/leads', { name: 'Fails at commit' }, key);
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect(await records()).toBe(before);
    } finally {
      await first.sql('drop trigger refuse_lead on leads; drop function refuse_lead()', [], acme.dbName);
    }
    await post(second, acme, '/leads', { name: 'Fails at commit' }, key).expect(201);
    expect(await leadsNamed(acme, 'Fails at commit')).toBe(1);
  });

  it('takes over a key past the 24 h window: the request runs again', async () => {
    const key = newKey();
    await post(first, acme, '/leads', { name: 'Day-old key' }, key).expect(201);
    await first.sql(
      "update idempotency_commits set created_at = now() - interval '25 hours' where entity = 'lead' and entity_id = (select id::text from leads where name = 'Day-old key')",
      [],
      acme.dbName,
    );
    await post(second, acme, '/leads', { name: 'Day-old key' }, key).expect(201);
    expect(await leadsNamed(acme, 'Day-old key')).toBe(2);
  });
});
