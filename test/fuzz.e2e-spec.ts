import { TestApp, TestTenant } from './support/test-app';

/** Deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_STRINGS = [
  '',
  ' ',
  "' OR 1=1 --",
  '"; drop table leads; --',
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  '<script>alert(1)</script>',
  '{{7*7}}',
  '${jndi:ldap://x}',
  'ž漢字🙂',
  'a'.repeat(5000),
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  '00000000-0000-0000-0000-000000000000',
  '__proto__',
];
const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  Number.MAX_SAFE_INTEGER,
  [],
  [1, 2],
  {},
  { $gt: '' },
  { __proto__: { admin: true } },
  ...HOSTILE_STRINGS,
];

type Schema = {
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
  items?: Schema;
  enum?: unknown[];
  example?: unknown;
  minLength?: number;
};
type Parameter = { name: string; in: string; schema?: Schema };
type Operation = { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

/** Hostile classes that no field may hold, whatever its type: the input gate answers 400. */
const GATE_CLASSES: [string, string][] = [
  ['a NUL character', '"a\\u0000b"'],
  ['a lone high surrogate', '"a\\ud800b"'],
  ['a lone low surrogate', '"\\udfffz"'],
  ['JSON nested 40 levels deep', `${'['.repeat(40)}"x"${']'.repeat(40)}`],
  ['JSON nested 20,000 levels deep', `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
];
/** Odd forms of dates that new Date() or ISO-8601 checks take and PostgreSQL does not. */
const ODD_DATES = [
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '2026-W01',
  '2026-W01-1',
  '2026-001',
  '-2030-01-01T00:00:00Z',
  '+002026-01-01',
  '2026-02-30',
  '2026-01-01T25:00:00Z',
  '20260101',
  '1e309',
];
/** Values a careless client sends in place of the right one. */
const CARELESS_RAW = [
  '1e309',
  '-1e309',
  '123456789012345678901234567890',
  '-0',
  '0.1e-400',
  'true',
  '[]',
  '{}',
  '""',
  '"   "',
];

/** Runs the requests `size` at a time, all of a batch at once, as concurrent clients would. */
async function inBatches<T>(jobs: (() => Promise<T>)[], size: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < jobs.length; i += size)
    out.push(...(await Promise.all(jobs.slice(i, i + size).map((job) => job()))));
  return out;
}

describe('fuzzing every documented route with hostile input never gives a 5xx', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let pt: string;
  beforeAll(async () => {
    t = await TestApp.start({
      TENANT_RATE_LIMIT_RPS: '0',
      LOGIN_MAX_FAILURES: '1000',
      LOGIN_MAX_FAILURES_PER_IP: '100000',
    });
    pt = await t.platformToken();
    tenant = await t.createTenant('fuzz', pt);
  });
  afterAll(() => t?.stop());

  /** The document, a valid body per schema (examples, enums, formats) and real ids for path parameters. */
  async function corpus() {
    const doc = (await t.http().get('/docs-json').expect(200)).body as Doc;
    const resolve = (s: Schema): Schema => (s.$ref ? doc.components.schemas[s.$ref.split('/').pop()!] : s);
    // Each test signs in afresh: a test before it may have ended the admin's sessions.
    const login = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', tenant.slug)
      .send({ email: tenant.admin.email, password: tenant.admin.password })
      .expect(200);
    tenant.token = login.body.accessToken as string;
    const me = (await t.as(tenant.token, tenant.slug).get('/auth/me').expect(200)).body.id as string;
    // User routes aim at a staff member, so a body that happens to be valid never changes the admin.
    const staff = (
      await t
        .as(tenant.token, tenant.slug)
        .post('/users', {
          email: `staff-${Math.random().toString(36).slice(2)}@fuzz.test`,
          name: 'Fuzz staff',
          password: 'fuzz-staff-passphrase',
          role: 'staff',
        })
        .expect(201)
    ).body.id as string;
    const valid = (s: Schema, name: string): unknown => {
      if (s.example !== undefined)
        return name === 'email' ? `fuzz-${Math.random().toString(36).slice(2)}@fuzz.test` : s.example;
      if (s.enum) return s.enum[0];
      if (s.format === 'uuid' || name.endsWith('Id')) return me;
      if (s.format === 'date-time') return '2030-01-01T00:00:00Z';
      if (s.type === 'string')
        return 'x'.repeat(Math.max(s.minLength ?? 1, 1)) + (name.toLowerCase().includes('password') ? 'Aa1!' : '');
      if (s.type === 'array') return s.items ? [valid(resolve(s.items), name)] : [];
      if (s.type === 'boolean') return true;
      if (s.type === 'integer' || s.type === 'number') return 1;
      return 'x';
    };
    const baseBody = (op: Operation): Record<string, unknown> | undefined => {
      const schema = op.requestBody?.content['application/json']?.schema;
      if (!schema) return undefined;
      const s = resolve(schema);
      return Object.fromEntries(
        Object.entries(s.properties ?? {}).map(([name, prop]) => [name, valid(resolve(prop), name)]),
      );
    };
    const lead = (await t.as(tenant.token, tenant.slug).post('/leads', { name: 'Fuzz target' }).expect(201)).body
      .id as string;
    const deal = (
      await t
        .as(tenant.token, tenant.slug)
        .post('/deals', { title: 'Fuzz deal', amount: '10.00', currency: 'EUR' })
        .expect(201)
    ).body.id as string;
    const ids: Record<string, string> = {
      leads: lead,
      deals: deal,
      users: staff,
      'api-keys': '00000000-0000-4000-8000-000000000000',
      tenants: tenant.slug,
    };
    const url = (path: string) =>
      path.replace(
        /\/([a-z-]+)\/\{(id|slug)\}/g,
        (_, collection: string) => `/${collection}/${ids[collection] ?? 'x'}`,
      );
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method, op })),
    );
    return { doc, resolve, baseBody, url, operations };
  }

  const send = (method: string, url: string, body?: string) => {
    let req = t.http()[method as 'post'](url);
    req = req
      .set('authorization', `Bearer ${url.startsWith('/api/v1/platform') ? pt : tenant.token}`)
      .set('x-tenant-id', tenant.slug);
    // An event stream that opens (200) never ends: its status is the answer, then the connection closes.
    if (url.split('?')[0].endsWith('/events/stream'))
      req = req.buffer(false).parse((res, done) => {
        done(null, '');
        (res as unknown as { destroy(): void }).destroy();
      });
    return body === undefined ? req : req.set('content-type', 'application/json').send(body);
  };

  it('answers every gate class in every body field of every operation with 400 problem+json, 25 requests at once', async () => {
    const { baseBody, url, operations } = await corpus();
    const jobs: (() => Promise<string | undefined>)[] = [];
    for (const { path, method, op } of operations) {
      const base = baseBody(op);
      if (!base) continue;
      for (const field of Object.keys(base)) {
        for (const [what, raw] of GATE_CLASSES) {
          const body = JSON.stringify({ ...base, [field]: '__HOSTILE__' }).replace('"__HOSTILE__"', raw);
          jobs.push(async () => {
            const res = await send(method, url(path), body);
            const ok = res.status === 400 && String(res.headers['content-type']).includes('application/problem+json');
            return ok ? undefined : `${method.toUpperCase()} ${path} ${field} = ${what} → ${res.status}`;
          });
        }
      }
    }
    const failures = (await inBatches(jobs, 25)).filter(Boolean);
    expect(jobs.length).toBeGreaterThan(200);
    expect(failures).toEqual([]);
  });

  it('answers null, huge numbers and wrong types in every body field without a 5xx, and null in a required field with 400', async () => {
    const { resolve, baseBody, url, operations, doc } = await corpus();
    // PATCH takes the fields of its create: what the create requires, the update may not clear.
    const requiredOf = (path: string): string[] => {
      const create = doc.paths[path.replace(/\/\{id\}$/, '')]?.post?.requestBody?.content['application/json']?.schema;
      return create ? (resolve(create).required ?? []) : [];
    };
    const jobs: (() => Promise<string | undefined>)[] = [];
    for (const { path, method, op } of operations) {
      const base = baseBody(op);
      // A valid onboarding provisions a whole database per request: its fields get the gate classes only.
      if (!base || path === '/api/v1/platform/tenants') continue;
      const schema = resolve(op.requestBody!.content['application/json'].schema);
      const required = new Set([...(schema.required ?? []), ...(method === 'patch' ? requiredOf(path) : [])]);
      for (const field of Object.keys(base)) {
        for (const raw of ['null', ...CARELESS_RAW]) {
          const body = JSON.stringify({ ...base, [field]: '__HOSTILE__' }).replace('"__HOSTILE__"', raw);
          jobs.push(async () => {
            const res = await send(method, url(path), body);
            if (res.status >= 500) return `${method.toUpperCase()} ${path} ${field} = ${raw} → ${res.status}`;
            if (raw === 'null' && required.has(field) && res.status !== 400)
              return `${method.toUpperCase()} ${path} ${field} = null (required) → ${res.status}`;
            if (res.status >= 400 && !String(res.headers['content-type']).includes('application/problem+json'))
              return `${method.toUpperCase()} ${path} → ${res.status} without problem+json`;
            return undefined;
          });
        }
      }
    }
    const failures = (await inBatches(jobs, 20)).filter(Boolean);
    expect(jobs.length).toBeGreaterThan(200);
    expect(failures).toEqual([]);
  });

  it('answers hostile query values on every list and report without a 5xx, NUL and odd dates with 400', async () => {
    const { url, operations } = await corpus();
    const jobs: (() => Promise<string | undefined>)[] = [];
    for (const { path, method, op } of operations) {
      for (const param of (op.parameters ?? []).filter((p) => p.in === 'query')) {
        const isDate = param.schema?.format === 'date-time' || ['from', 'to', 'updatedSince'].includes(param.name);
        const values: [string, number | undefined][] = [
          ['a%00b', 400],
          ['%ED%A0%80', undefined], // a lone surrogate in UTF-8 is not UTF-8 at all: decoded as U+FFFD
          ['99999999999999999999999999', undefined],
          ['1e309', isDate ? 400 : undefined],
          ['x&' + param.name + '=y', undefined], // the parameter twice: an array
          ...ODD_DATES.map((d): [string, number | undefined] => [encodeURIComponent(d), isDate ? 400 : undefined]),
        ];
        for (const [value, expected] of values) {
          jobs.push(async () => {
            const res = await send(method, `${url(path)}?${param.name}=${value}`);
            if (res.status >= 500 || (expected !== undefined && res.status !== expected))
              return `${method.toUpperCase()} ${path}?${param.name}=${value} → ${res.status}`;
            return undefined;
          });
        }
      }
    }
    const failures = (await inBatches(jobs, 25)).filter(Boolean);
    expect(jobs.length).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  });

  it('answers thousands of schema-derived hostile requests with 2xx-4xx, problem+json on errors', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body as Doc;
    const random = prng(20261126);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const resolve = (s: Schema): Schema => (s.$ref ? doc.components.schemas[s.$ref.split('/').pop()!] : s);
    const mutate = (schema: Schema | undefined): Record<string, unknown> | unknown => {
      const s = schema ? resolve(schema) : undefined;
      if (!s?.properties) return pick(HOSTILE_VALUES);
      const body: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries(s.properties)) {
        const p = resolve(prop);
        const roll = random();
        if (roll < 0.15) continue;
        if (roll < 0.55) body[name] = pick(HOSTILE_VALUES);
        else if (p.enum) body[name] = pick(p.enum);
        else if (p.type === 'string') body[name] = pick(HOSTILE_STRINGS);
        else body[name] = pick(HOSTILE_VALUES);
      }
      if (random() < 0.2)
        body[pick(['__proto__', 'constructor', 'id', 'ownerId', 'role', 'tenant', 'tokenVersion'])] =
          pick(HOSTILE_VALUES);
      return body;
    };

    // HTTP clients refuse control and non-Latin-1 characters in headers: send what a client can.
    const headerSafe = (value: string) => value.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
    const failures: string[] = [];
    let sent = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const platform = path.startsWith('/api/v1/platform');
        for (let round = 0; round < 40; round++) {
          let url = path.replace(/\{[^}]+\}/g, () =>
            encodeURIComponent(
              round % 3 === 0 ? '00000000-0000-4000-8000-000000000000' : String(pick(HOSTILE_STRINGS)).slice(0, 300),
            ),
          );
          const query = (op.parameters ?? []).filter((p) => p.in === 'query');
          if (query.length)
            url +=
              '?' +
              query.map((p) => `${p.name}=${encodeURIComponent(String(pick(HOSTILE_VALUES)).slice(0, 300))}`).join('&');
          const schema = op.requestBody?.content['application/json']?.schema;
          let req = t.http()[method as 'get'](url);
          const auth = random();
          if (auth < 0.8) req = req.set('authorization', `Bearer ${platform ? pt : tenant.token}`);
          else if (auth < 0.9) req = req.set('authorization', headerSafe(`Bearer ${pick(HOSTILE_STRINGS)}`));
          if (!platform && random() < 0.9)
            req = req.set('x-tenant-id', random() < 0.8 ? tenant.slug : headerSafe(String(pick(HOSTILE_STRINGS))));
          if (['post', 'patch', 'put'].includes(method)) {
            const body = random() < 0.1 ? '{"broken": ' : JSON.stringify(mutate(schema));
            req = req.set('content-type', 'application/json').send(body);
          }
          const res = await req;
          sent++;
          if (res.status >= 500)
            failures.push(
              `${method.toUpperCase()} ${url.slice(0, 120)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
            );
          else if (res.status >= 400 && !String(res.headers['content-type']).includes('application/problem+json')) {
            failures.push(`${method.toUpperCase()} ${url.slice(0, 120)} → ${res.status} without problem+json`);
          }
        }
      }
    }
    expect(sent).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
    // The tenant still works afterwards (the fuzzing may well have signed its admin out).
    const login = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', tenant.slug)
      .send({ email: tenant.admin.email, password: tenant.admin.password })
      .expect(200);
    await t.http().get('/api/v1/leads').set('authorization', `Bearer ${login.body.accessToken}`).expect(200);
  });
});
