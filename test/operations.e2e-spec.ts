import { ACCESS, type AccessOptions, IS_PUBLIC } from '@app/auth';
import { ModulesContainer } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { TestApp } from './support/test-app';

const ROOT = new Set(['health/live', 'health/ready', '.well-known/jwks.json', 'metrics']);

type Controller = new (...args: never[]) => unknown;

/** Every documented route as `method /path` (OpenAPI style), with its handler and controller. */
function registeredRoutes(t: TestApp): { route: string; handler: object; controller: Controller }[] {
  const routes: { route: string; handler: object; controller: Controller }[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Controller | undefined;
      if (!controller?.prototype) continue;
      const base = (Reflect.getMetadata(PATH_METADATA, controller) as string) ?? '';
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (
          typeof handler !== 'function' ||
          Reflect.getMetadata(PATH_METADATA, handler) === undefined ||
          name === 'constructor'
        )
          continue;
        const path = `${base}/${Reflect.getMetadata(PATH_METADATA, handler) as string}`
          .replace(/\/+/g, '/')
          .replace(/^\/|\/$/g, '');
        if (path === 'metrics') continue; // operational, deliberately out of the API document
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number].toLowerCase();
        const full = ROOT.has(path) ? `/${path}` : `/api/v1/${path}`;
        routes.push({ route: `${method} ${full.replace(/:([A-Za-z]+)/g, '{$1}')}`, handler, controller });
      }
    }
  }
  return routes;
}

describe('operations: OpenAPI, security headers, CORS, limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ CORS_ORIGINS: 'https://app.example.test' });
  });
  afterAll(() => t?.stop());

  it('serves /docs-json and the Swagger UI script as 200s in the request metrics, never a 500', async () => {
    await t.http().get('/docs-json').expect(200).expect('content-type', /json/);
    await t.http().get('/docs/swagger-ui-init.js').expect(200);
    await t.http().get('/docs-json').expect(200);
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    const docs = metrics.split('\n').filter((line) => /_count\{.*route="\/docs(-json|\/)/.test(line));
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.filter((line) => line.includes('status="500"'))).toEqual([]);
    expect(docs.some((line) => /route="\/docs-json",status="200",tenant="-"\} [2-9]/.test(line))).toBe(true);
  });

  it('gives every operation a unique operationId and a summary', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { operationId?: string; summary?: string }>>;
    };
    const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
    const ids = operations.map((operation) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations.filter((operation) => !operation.summary)).toEqual([]);
  });

  it('documents X-Tenant-ID as a parameter of tenant sign-in', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string; required?: boolean }[] }>>;
    };
    expect(doc.paths['/api/v1/auth/login'].post.parameters).toContainEqual(
      expect.objectContaining({ name: 'X-Tenant-ID', in: 'header', required: false }),
    );
  });

  it('names the serving deployment as the server of its paths', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body as { servers?: { url: string }[] };
    expect(doc.servers).toEqual([{ url: '/', description: 'this deployment' }]);
  });

  it('documents page, limit and the allowed sort fields on every paged list', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; in: string; schema?: { enum?: string[] } }[] }>
      >;
    };
    const lists = {
      '/api/v1/leads': 'createdAt',
      '/api/v1/deals': 'createdAt',
      '/api/v1/users': 'email',
      '/api/v1/audit-logs': 'at',
      '/api/v1/api-keys': 'name',
      '/api/v1/platform/tenants': 'slug',
    };
    for (const [path, field] of Object.entries(lists)) {
      const query = (doc.paths[path].get.parameters ?? []).filter((p) => p.in === 'query');
      expect(query.map((p) => p.name)).toEqual(expect.arrayContaining(['page', 'limit', 'sort']));
      expect(query.find((p) => p.name === 'sort')?.schema?.enum).toEqual(expect.arrayContaining([field, `-${field}`]));
    }
  });

  it('documents exactly the registered routes in /docs-json', async () => {
    const registered = new Set(registeredRoutes(t).map(({ route }) => route));
    const doc = (await t.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)),
    );
    expect([...documented].sort()).toEqual([...registered].sort());
    expect(Object.keys(doc.components.securitySchemes)).toEqual(expect.arrayContaining(['bearer']));
    await t.http().get('/docs').expect(200);
  });

  it('documents each protected operation’s security: bearer, and the API key with its scope where keys are accepted', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { security?: unknown; 'x-api-key-scope'?: string }>>;
    };
    const wrong: string[] = [];
    const counts = { public: 0, bearerOnly: 0, bearerOrApiKey: 0 };
    for (const { route, handler, controller } of registeredRoutes(t)) {
      const [method, path] = route.split(' ');
      const isPublic = (Reflect.getMetadata(IS_PUBLIC, handler) ?? Reflect.getMetadata(IS_PUBLIC, controller)) === true;
      const access = (Reflect.getMetadata(ACCESS, handler) ?? Reflect.getMetadata(ACCESS, controller)) as
        AccessOptions | undefined;
      const expected = isPublic ? [{}] : [{ bearer: [] }, ...(access?.apiKeyScope ? [{ 'api-key': [] }] : [])];
      // OpenAPI 3.0 has scopes only for OAuth2: the key's scope is the x-api-key-scope extension.
      const documented = doc.paths[path]?.[method];
      if (JSON.stringify(documented?.security) !== JSON.stringify(expected))
        wrong.push(`${route}: ${JSON.stringify(documented?.security)}, expected ${JSON.stringify(expected)}`);
      if (documented?.['x-api-key-scope'] !== access?.apiKeyScope)
        wrong.push(`${route}: scope ${documented?.['x-api-key-scope']}, expected ${access?.apiKeyScope}`);
      if (isPublic) counts.public++;
      else if (access?.apiKeyScope) counts.bearerOrApiKey++;
      else counts.bearerOnly++;
    }
    expect(wrong).toEqual([]);
    // Today: 7 public operations, 17 for tokens only, 16 that also take an API key.
    expect(counts.bearerOrApiKey).toBeGreaterThanOrEqual(16);
    expect(counts.bearerOnly).toBeGreaterThanOrEqual(17);
  });

  it('sends security headers and an X-Request-ID on every answer', async () => {
    const res = await t.http().get('/health/live').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(res.headers['x-request-id']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('allows CORS from the configured origins only', async () => {
    const ok = await t
      .http()
      .options('/api/v1/leads')
      .set('origin', 'https://app.example.test')
      .set('access-control-request-method', 'GET');
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.test');
    const other = await t
      .http()
      .options('/api/v1/leads')
      .set('origin', 'https://evil.example.test')
      .set('access-control-request-method', 'GET');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets a browser on an allowed origin preflight every method and header of every documented operation', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
    };
    const refused: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const headers = ['authorization', 'content-type', 'x-api-key', 'x-request-id'].concat(
          (operation.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name.toLowerCase()),
        );
        const res = await t
          .http()
          .options(path.replace(/\{[^}]+\}/g, '0b6f1c3e-8f4a-4c2e-9d7b-2a5e6f8c1d90').replace('{slug}', 'acme'))
          .set('origin', 'https://app.example.test')
          .set('access-control-request-method', method.toUpperCase())
          .set('access-control-request-headers', headers.join(','));
        const allowedMethods = String(res.headers['access-control-allow-methods']).split(/,\s*/);
        const allowedHeaders = String(res.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
        if (
          res.status >= 300 ||
          res.headers['access-control-allow-origin'] !== 'https://app.example.test' ||
          !allowedMethods.includes(method.toUpperCase()) ||
          headers.some((header) => !allowedHeaders.includes(header))
        )
          refused.push(`${method} ${path}: ${res.status} ${allowedMethods} / ${allowedHeaders}`);
      }
    }
    expect(refused).toEqual([]);
    const offered = await t
      .http()
      .options('/api/v1/leads')
      .set('origin', 'https://app.example.test')
      .set('access-control-request-method', 'GET');
    const documented = new Set(Object.values(doc.paths).flatMap((operations) => Object.keys(operations)));
    expect(String(offered.headers['access-control-allow-methods']).split(/,\s*/).sort()).toEqual(
      [...documented]
        .map((method) => method.toUpperCase())
        .concat('HEAD')
        .sort(),
    );
  });

  it('lets browser code read the headers of the conventions (CORS exposed headers)', async () => {
    const res = await t.http().get('/health/live').set('origin', 'https://app.example.test').expect(200);
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(
      expect.arrayContaining([
        'x-request-id',
        'location',
        'etag',
        'retry-after',
        'ratelimit-limit',
        'ratelimit-remaining',
        'ratelimit-reset',
        'idempotent-replayed',
      ]),
    );
  });

  it('refuses a body over 1 MiB with 413 problem+json', async () => {
    const tenant = await t.createTenant('big');
    const res = await t
      .http()
      .post('/api/v1/leads')
      .set('authorization', `Bearer ${tenant.token}`)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(1_100_000) }));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('answers readiness with the catalog checked', async () => {
    const res = await t.http().get('/health/ready').expect(200);
    expect(res.body).toEqual({ status: 'ok', checks: { catalog: 'up', queues: 'up' } });
  });
});

describe('operations: CORS with no origins configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t?.stop());

  it('answers a preflight from any origin 404, with no CORS headers, nor on a plain request', async () => {
    const preflight = await t
      .http()
      .options('/api/v1/leads')
      .set('origin', 'https://app.example.test')
      .set('access-control-request-method', 'GET');
    expect(preflight.status).toBe(404);
    const live = await t.http().get('/health/live').set('origin', 'https://app.example.test').expect(200);
    for (const res of [preflight, live])
      expect(Object.keys(res.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    expect(live.headers['x-request-id']).toBeDefined();
  });
});
