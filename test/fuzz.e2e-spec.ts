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
const HOSTILE_VALUES: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER, [], [1, 2], {}, { $gt: '' }, { __proto__: { admin: true } }, ...HOSTILE_STRINGS];

type Schema = { type?: string; properties?: Record<string, Schema>; $ref?: string; items?: Schema; enum?: unknown[] };
type Doc = { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, { schema: Schema }> } }>>; components: { schemas: Record<string, Schema> } };

describe('fuzzing every documented route with hostile input never gives a 5xx', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let pt: string;
  beforeAll(async () => {
    t = await TestApp.start({ TENANT_RATE_LIMIT_RPS: '0', LOGIN_MAX_FAILURES: '1000', LOGIN_MAX_FAILURES_PER_IP: '100000' });
    pt = await t.platformToken();
    tenant = await t.createTenant('fuzz', pt);
  });
  afterAll(() => t?.stop());

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
      if (random() < 0.2) body[pick(['__proto__', 'constructor', 'id', 'ownerId', 'role', 'tenant', 'tokenVersion'])] = pick(HOSTILE_VALUES);
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
          let url = path.replace(/\{[^}]+\}/g, () => encodeURIComponent(round % 3 === 0 ? '00000000-0000-4000-8000-000000000000' : String(pick(HOSTILE_STRINGS)).slice(0, 300)));
          const query = (op.parameters ?? []).filter((p) => p.in === 'query');
          if (query.length) url += '?' + query.map((p) => `${p.name}=${encodeURIComponent(String(pick(HOSTILE_VALUES)).slice(0, 300))}`).join('&');
          const schema = op.requestBody?.content['application/json']?.schema;
          let req = t.http()[method as 'get'](url);
          const auth = random();
          if (auth < 0.8) req = req.set('authorization', `Bearer ${platform ? pt : tenant.token}`);
          else if (auth < 0.9) req = req.set('authorization', headerSafe(`Bearer ${pick(HOSTILE_STRINGS)}`));
          if (!platform && random() < 0.9) req = req.set('x-tenant-id', random() < 0.8 ? tenant.slug : headerSafe(String(pick(HOSTILE_STRINGS))));
          if (['post', 'patch', 'put'].includes(method)) {
            const body = random() < 0.1 ? '{"broken": ' : JSON.stringify(mutate(schema));
            req = req.set('content-type', 'application/json').send(body);
          }
          const res = await req;
          sent++;
          if (res.status >= 500) failures.push(`${method.toUpperCase()} ${url.slice(0, 120)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
          else if (res.status >= 400 && !String(res.headers['content-type']).includes('application/problem+json')) {
            failures.push(`${method.toUpperCase()} ${url.slice(0, 120)} → ${res.status} without problem+json`);
          }
        }
      }
    }
    expect(sent).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
    // The tenant still works afterwards (the fuzzing may well have signed its admin out).
    const login = await t.http().post('/api/v1/auth/login').set('x-tenant-id', tenant.slug).send({ email: tenant.admin.email, password: tenant.admin.password }).expect(200);
    await t.http().get('/api/v1/leads').set('authorization', `Bearer ${login.body.accessToken}`).expect(200);
  });
});
