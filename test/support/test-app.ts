import { ensureDatabase, parsePostgresUrl, toPostgresUrl } from '@app/catalog';
import { AppConfig, loadAppConfig } from '@app/config';
import { TenantDirectory } from '@app/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import { createApiApp, prepareCatalog } from '../../apps/api/src/api.app';
import { adminSql, dropTestDeployment } from './test-databases';
import type { TestPgBouncer } from './test-servers';

/** In the e2e-pooler tier (jest `globals`), the tenants' request traffic goes through its PgBouncer. */
export function testPgBouncer(): TestPgBouncer | undefined {
  if (!(globalThis as { TESSERA_THROUGH_POOLER?: boolean }).TESSERA_THROUGH_POOLER) return undefined;
  const described = process.env.TESSERA_TEST_PGBOUNCER;
  if (!described) throw new Error('TESSERA_TEST_PGBOUNCER is not set: run the e2e-pooler tier through jest');
  return JSON.parse(described) as TestPgBouncer;
}

export const PLATFORM_ADMIN = { email: 'root@platform.test', password: 'platform-root-passphrase' };

export interface TestTenant {
  slug: string;
  admin: { email: string; password: string; name: string };
  token: string;
  dbName: string;
}

/** One suite's own Tessera: its own catalog database and tenant prefix, so suites run in parallel. */
export class TestApp {
  readonly id: string;
  readonly prefix: string;
  readonly adminUrl = process.env.TESSERA_TEST_PG!;
  readonly catalogUrl: string;
  readonly keysDir: string;
  private readonly owner: boolean;
  app!: NestFastifyApplication;
  config!: AppConfig;
  env!: Record<string, string>;

  /** `joining` shares another TestApp's catalog, prefix and keys: a second API instance of the same deployment. */
  private constructor(joining?: TestApp) {
    this.id = joining?.id ?? randomBytes(4).toString('hex');
    this.prefix = `t${this.id}_`;
    this.catalogUrl = toPostgresUrl({ ...parsePostgresUrl(this.adminUrl), database: `tessera_test_${this.id}` });
    this.keysDir = joining?.keysDir ?? mkdtempSync(join(tmpdir(), 'tessera-keys-'));
    this.owner = !joining;
  }

  /** `logDestination` receives the API's log lines (with a LOG_LEVEL other than silent in `env`). */
  static async start(
    env: Record<string, string> = {},
    joining?: TestApp,
    logDestination?: DestinationStream,
  ): Promise<TestApp> {
    const t = new TestApp(joining);
    await t.boot(env, logDestination);
    return t;
  }

  private async boot(env: Record<string, string>, logDestination?: DestinationStream): Promise<void> {
    if (!this.adminUrl) throw new Error('TESSERA_TEST_PG is not set: run the suites through jest (global setup)');
    this.env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: this.catalogUrl,
      TENANT_DB_PREFIX: this.prefix,
      PLATFORM_ADMIN_EMAIL: PLATFORM_ADMIN.email,
      PLATFORM_ADMIN_PASSWORD: PLATFORM_ADMIN.password,
      KEYS_DIR: this.keysDir,
      APP_BASE_DOMAIN: 'tessera.test',
      BACKUP_DIR: join(this.keysDir, 'backups'),
      // Onboarding clones the template unless a suite asks for spare databases (test/spare-databases.e2e-spec.ts).
      TENANT_SPARE_DATABASES: '0',
      ...this.poolerConfig(env),
      ...env,
    };
    this.config = loadAppConfig(this.env, resolve(__dirname, '../..'));
    // A suite may put the catalog on a server of its own (DATABASE_URL in `env`).
    const catalogUrl = this.config.databaseUrl ?? this.catalogUrl;
    await ensureDatabase(catalogUrl);
    this.app = await createApiApp(this.config, catalogUrl, logDestination);
    await prepareCatalog(this.app, this.config, catalogUrl, () => undefined);
    await this.app.init();
    await this.app.getHttpAdapter().getInstance().ready();
  }

  /** Through a pooler (e2e-pooler tier): the catalog server names the test PgBouncer, unless a suite brings its own servers. */
  private poolerConfig(env: Record<string, string>): Record<string, string> {
    const bouncer = testPgBouncer();
    if (!bouncer || env.TENANTS_CONFIG || env.DATABASE_URL) return {};
    const file = join(this.keysDir, `tenants.pooler.${this.id}.json`);
    const { host, port, maxDbConnections, serverIdleTimeout } = bouncer;
    const pooler = { host, port, maxDbConnections, serverIdleTimeout };
    const servers = [{ name: 'main', useCatalogServer: true, capacity: 5000, tags: ['general'], pooler }];
    writeFileSync(file, JSON.stringify({ servers }));
    return { TENANTS_CONFIG: file };
  }

  http(): ReturnType<typeof request> {
    return request(this.app.getHttpServer());
  }

  /** Requests to /api/v1 with a bearer token and a tenant header. */
  as(token: string, tenantSlug: string) {
    const send = (method: 'get' | 'post' | 'patch' | 'delete', path: string) =>
      this.http()[method](`/api/v1${path}`).set('authorization', `Bearer ${token}`).set('x-tenant-id', tenantSlug);
    return {
      get: (path: string) => send('get', path),
      post: (path: string, body: object) => send('post', path).send(body),
      patch: (path: string, body: object) => send('patch', path).send(body),
      delete: (path: string) => send('delete', path),
    };
  }

  async platformToken(): Promise<string> {
    const res = await this.http().post('/api/v1/platform/auth/login').send(PLATFORM_ADMIN).expect(200);
    return res.body.accessToken as string;
  }

  /** Onboards a tenant through the API and waits until it is active; returns its admin's token. */
  async createTenant(name: string, platformToken?: string): Promise<TestTenant> {
    const token = platformToken ?? (await this.platformToken());
    const slug = `${name}-${this.id}`;
    const admin = { email: `admin@${name}.test`, password: `admin-${name}-passphrase`, name: `${name} admin` };
    await this.http()
      .post('/api/v1/platform/tenants')
      .set('authorization', `Bearer ${token}`)
      .send({ slug, name, adminEmail: admin.email, adminName: admin.name, adminPassword: admin.password })
      .expect(202);
    await this.waitForStatus(slug, 'active', token);
    const login = await this.http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', slug)
      .send({ email: admin.email, password: admin.password })
      .expect(200);
    return { slug, admin, token: login.body.accessToken, dbName: `${this.prefix}${slug.replace(/-/g, '_')}` };
  }

  async waitForStatus(
    slug: string,
    status: string,
    platformToken: string,
    timeoutMs = 30_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.http()
        .get(`/api/v1/platform/tenants/${slug}`)
        .set('authorization', `Bearer ${platformToken}`);
      if (res.body.status === status) return res.body;
      if (res.body.status === 'failed' && status !== 'failed')
        throw new Error(`tenant ${slug} failed: ${res.body.error}`);
      if (Date.now() > deadline)
        throw new Error(`tenant ${slug} not ${status} in ${timeoutMs} ms (is ${res.body.status})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Runs SQL on the server as admin (database `postgres` unless named). */
  sql<T = Record<string, unknown>>(text: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> {
    return adminSql<T>(this.adminUrl, text, params, database);
  }

  /** Changes a tenant in the catalog behind the API's back, then drops it from the cache. */
  async setTenantStatus(slug: string, status: string): Promise<void> {
    await this.sql(
      'update tenants set status = $1 where slug = $2',
      [status, slug],
      parsePostgresUrl(this.catalogUrl).database,
    );
    await this.app.get(TenantDirectory).invalidate(slug);
  }

  /** Closes the app and drops every database and role this suite made (the owner of a shared deployment does). */
  async stop(): Promise<void> {
    await this.app?.close();
    if (!this.owner) return;
    await dropTestDeployment(this.adminUrl, parsePostgresUrl(this.catalogUrl).database, this.prefix);
    rmSync(this.keysDir, { recursive: true, force: true });
    if (this.env.REDIS_URL) await dropRedisKeys(this.env.REDIS_URL, `tessera:${this.prefix}*`);
  }
}

/** Removes the Bull queues and channels of one test deployment. */
async function dropRedisKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
