import { parsePostgresUrl, quoteIdent, toPostgresUrl, withClient } from '@app/catalog';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { PLATFORM_ADMIN } from './support/test-app';
import { startRedisServer } from './support/redis-server';
import { freePort, sleep, until } from './support/wait';

const ROOT = resolve(__dirname, '..');
const ADMIN_URL = () => process.env.TESSERA_TEST_PG!;
const SHUTDOWN_TIMEOUT_MS = 5000;
/** SHUTDOWN_TIMEOUT_MS and a margin for a busy machine. */
const EXIT_WITHIN_MS = 10_000;

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = [], database = 'postgres') =>
  withClient({ ...parsePostgresUrl(ADMIN_URL()), database }, async (c) => (await c.query(text, params)).rows as T[]);

/** The built API as its own process, on its own catalog database and tenant prefix. */
class ApiProcess {
  readonly id = randomBytes(4).toString('hex');
  readonly prefix = `t${this.id}_`;
  readonly catalogDb = `tessera_test_${this.id}`;
  readonly keysDir = mkdtempSync(join(tmpdir(), 'tessera-keys-'));
  child!: ChildProcess;
  env!: NodeJS.ProcessEnv;
  port!: number;
  exited!: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private output = '';

  async start(extra: Record<string, string>): Promise<void> {
    this.port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ['REDIS_URL', 'DATABASE_URL', 'TENANTS_CONFIG', 'METRICS_TOKEN']) delete env[key];
    Object.assign(env, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: String(this.port),
      DATABASE_URL: toPostgresUrl({ ...parsePostgresUrl(ADMIN_URL()), database: this.catalogDb }),
      TENANT_DB_PREFIX: this.prefix,
      PLATFORM_ADMIN_EMAIL: PLATFORM_ADMIN.email,
      PLATFORM_ADMIN_PASSWORD: PLATFORM_ADMIN.password,
      KEYS_DIR: this.keysDir,
      BACKUP_DIR: join(this.keysDir, 'backups'),
      APP_BASE_DOMAIN: 'tessera.test',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      ...extra,
    });
    this.env = env;
    this.child = spawn(process.execPath, ['dist/apps/api/src/main.js'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!])
      stream.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    // 'close', not 'exit': the last lines ("shutdown: gave up …") may still be in the pipes at 'exit'.
    this.exited = new Promise((done) => this.child.on('close', (code, signal) => done({ code, signal })));
    await until(
      'the API to be ready',
      async () => (await this.fetch('/health/ready').catch(() => undefined))?.status === 200,
      60_000,
    );
  }

  fetch(
    path: string,
    init: { method?: string; token?: string; tenant?: string; body?: object } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.tenant) headers['x-tenant-id'] = init.tenant;
    return fetch(`http://127.0.0.1:${this.port}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
  }

  /** Onboards a tenant through the API; returns its slug, database and admin's token. */
  async onboard(name: string): Promise<{ slug: string; dbName: string; token: string }> {
    const login = await this.fetch('/api/v1/platform/auth/login', { method: 'POST', body: PLATFORM_ADMIN });
    const { accessToken: pt } = (await login.json()) as { accessToken: string };
    const slug = `${name}-${this.id}`;
    const admin = { email: `admin@${name}.test`, password: `admin-${name}-passphrase` };
    const created = await this.fetch('/api/v1/platform/tenants', {
      method: 'POST',
      token: pt,
      body: { slug, name, adminEmail: admin.email, adminName: 'Admin', adminPassword: admin.password },
    });
    expect(created.status).toBe(202);
    await until(
      `${slug} to be active`,
      async () =>
        ((await (await this.fetch(`/api/v1/platform/tenants/${slug}`, { token: pt })).json()) as { status: string })
          .status === 'active',
      60_000,
    );
    const signIn = await this.fetch('/api/v1/auth/login', { method: 'POST', tenant: slug, body: admin });
    expect(signIn.status).toBe(200);
    const { accessToken } = (await signIn.json()) as { accessToken: string };
    return { slug, dbName: `${this.prefix}${slug.replace(/-/g, '_')}`, token: accessToken };
  }

  /**
   * Starts an onboarding whose provisioning fails and waits to retry (its template database
   * is gone, the retry is a minute away): a job retrying when the signal comes.
   */
  async retryingOnboarding(name: string): Promise<void> {
    await sql(`drop database if exists ${quoteIdent(`${this.prefix}_template`)} with (force)`);
    const login = await this.fetch('/api/v1/platform/auth/login', { method: 'POST', body: PLATFORM_ADMIN });
    const { accessToken: pt } = (await login.json()) as { accessToken: string };
    const slug = `${name}-${this.id}`;
    const created = await this.fetch('/api/v1/platform/tenants', {
      method: 'POST',
      token: pt,
      body: {
        slug,
        name,
        adminEmail: `admin@${name}.test`,
        adminName: 'Admin',
        adminPassword: `admin-${name}-passphrase`,
      },
    });
    expect(created.status).toBe(202);
    await until(`${slug}'s first attempt to fail`, async () => {
      const [row] = await sql<{ attempts: number }>(
        'select attempts from tenants where slug = $1',
        [slug],
        this.catalogDb,
      );
      return row && row.attempts >= 1;
    });
  }

  /** What a test teardown does: every database of this deployment dropped under the running process. */
  async dropDatabases(): Promise<void> {
    const dbs = await sql<{ datname: string }>(
      'select datname from pg_database where starts_with(datname, $1) or datname = $2',
      [this.prefix, this.catalogDb],
    );
    for (const { datname } of dbs) await sql(`drop database if exists ${quoteIdent(datname)} with (force)`);
  }

  /** Sends SIGTERM; resolves with the exit and how long it took. */
  async terminate(): Promise<{ code: number | null; ms: number }> {
    const started = Date.now();
    this.child.kill('SIGTERM');
    const outcome = await Promise.race([this.exited, sleep(30_000).then(() => undefined)]);
    const ms = Date.now() - started;
    if (!outcome) this.child.kill('SIGKILL');
    return { code: outcome ? outcome.code : null, ms };
  }

  /** apps/worker beside this API (same catalog, prefix and Redis); resolves once it runs. */
  async startWorker(): Promise<{ child: ChildProcess; exited: Promise<number | null>; output: () => string }> {
    const child = spawn(process.execPath, ['dist/apps/worker/src/main.js'], {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout!, child.stderr!])
      stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    await until('the worker to run', () => Promise.resolve(output.includes('Tessera worker running')), 60_000);
    return { child, exited, output: () => output };
  }

  /** Log messages (JSON lines' msg, or raw lines). */
  messages(): string[] {
    return this.output
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => {
        try {
          return String((JSON.parse(line) as { msg?: unknown }).msg ?? line);
        } catch {
          return line;
        }
      });
  }

  async cleanup(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    await this.dropDatabases();
    const roles = await sql<{ rolname: string }>('select rolname from pg_roles where starts_with(rolname, $1)', [
      this.prefix,
    ]);
    for (const { rolname } of roles) await sql(`drop role if exists ${quoteIdent(rolname)}`);
    rmSync(this.keysDir, { recursive: true, force: true });
  }
}

/** A Redis of this test's own, so it can be killed under the API. */
async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const redis = await startRedisServer(port);
  const gone = new Promise<void>((done) => redis.on('exit', () => done()));
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (redis.exitCode === null && redis.signalCode === null) redis.kill('SIGKILL');
      await gone;
    },
  };
}

/** Removes what an API of this suite left on the shared test Redis (its keys carry its tenant prefix). */
async function dropRedisKeys(prefix: string): Promise<void> {
  const { default: Redis } = await import('ioredis');
  const redis = new Redis(process.env.TESSERA_TEST_REDIS!, { maxRetriesPerRequest: 1 });
  const keys = await redis.keys(`tessera:${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}

/** One GET over a fresh connection: status and the Connection header (fetch hides hop-by-hop headers). */
function rawGet(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; connection?: string; body: string }> {
  return new Promise((done, fail) => {
    const request = get({ host: '127.0.0.1', port, path, headers, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => done({ status: response.statusCode!, connection: response.headers.connection, body }));
    });
    request.on('error', fail);
  });
}

describe('shutdown is bounded (the built API as a child process)', () => {
  jest.setTimeout(180_000);

  it('SIGTERM ends an instance whose catalog and tenant databases were dropped under it while an onboarding retries, within SHUTDOWN_TIMEOUT_MS (no Redis)', async () => {
    const api = new ApiProcess();
    try {
      await api.start({ PROVISION_ATTEMPTS: '5', PROVISION_BACKOFF_MS: '60000' });
      const tenant = await api.onboard('gone');
      expect((await api.fetch('/api/v1/leads', { token: tenant.token, tenant: tenant.slug })).status).toBe(200);
      await api.retryingOnboarding('stuck');
      await api.dropDatabases();
      const { code, ms } = await api.terminate();
      expect(code).not.toBeNull();
      expect(ms).toBeLessThan(EXIT_WITHIN_MS);
      expect(api.messages()).toContain('SIGTERM: shutting down');
      // Whatever it gave up on, it said so, one line each.
      if (code !== 0) {
        const said = api.messages().some((m) => /^shutdown: gave up/.test(m));
        expect({ code, said, last: said ? [] : api.messages().slice(-12) }).toEqual({ code, said: true, last: [] });
      }
    } finally {
      await api.cleanup();
    }
  });

  it('SIGTERM ends an instance whose databases and Redis are gone while an onboarding retries, within SHUTDOWN_TIMEOUT_MS', async () => {
    const api = new ApiProcess();
    const redis = await startRedis();
    try {
      await api.start({ REDIS_URL: redis.url, PROVISION_ATTEMPTS: '5', PROVISION_BACKOFF_MS: '60000' });
      const tenant = await api.onboard('adrift');
      expect((await api.fetch('/api/v1/leads', { token: tenant.token, tenant: tenant.slug })).status).toBe(200);
      await api.retryingOnboarding('stuck');
      await api.dropDatabases();
      await redis.stop();
      const { code, ms } = await api.terminate();
      expect(code).not.toBeNull();
      expect(ms).toBeLessThan(EXIT_WITHIN_MS);
      if (code !== 0) {
        const said = api.messages().some((m) => /^shutdown: gave up/.test(m));
        expect({ code, said, last: said ? [] : api.messages().slice(-12) }).toEqual({ code, said: true, last: [] });
      }
    } finally {
      await api.cleanup();
      await redis.stop();
    }
  });

  it('SIGTERM ends a worker whose databases and Redis are gone while a job retries, within SHUTDOWN_TIMEOUT_MS', async () => {
    const api = new ApiProcess();
    const redis = await startRedis();
    let worker: Awaited<ReturnType<ApiProcess['startWorker']>> | undefined;
    try {
      await api.start({
        REDIS_URL: redis.url,
        API_WORKERS: 'false',
        PROVISION_ATTEMPTS: '5',
        PROVISION_BACKOFF_MS: '60000',
      });
      worker = await api.startWorker();
      await api.onboard('busy'); // provisioned by the worker
      await api.retryingOnboarding('stuck');
      await api.dropDatabases();
      await redis.stop();
      const started = Date.now();
      worker.child.kill('SIGTERM');
      const code = await Promise.race([worker.exited, sleep(30_000).then(() => 'timeout' as const)]);
      expect(code).not.toBe('timeout');
      expect(Date.now() - started).toBeLessThan(EXIT_WITHIN_MS);
      expect(worker.output()).toMatch(/SIGTERM: shutting down/);
    } finally {
      if (worker && worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
      await api.cleanup();
      await redis.stop();
    }
  });

  it('SIGTERM on a healthy instance lets an in-flight request finish, then exits 0 having given up on nothing', async () => {
    const api = new ApiProcess();
    try {
      await api.start({ REDIS_URL: process.env.TESSERA_TEST_REDIS! });
      const tenant = await api.onboard('calm');
      // Hold the leads table so a list request stays in flight across the SIGTERM.
      const lock = new Client({ ...parsePostgresUrl(ADMIN_URL()), database: tenant.dbName });
      await lock.connect();
      try {
        await lock.query('begin');
        await lock.query('lock table leads in access exclusive mode');
        const inFlight = api.fetch('/api/v1/leads', { token: tenant.token, tenant: tenant.slug });
        await until('the request to wait on the lock', async () => {
          const rows = await sql("select 1 from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'", [
            tenant.dbName,
          ]);
          return rows.length > 0;
        });
        const started = Date.now();
        api.child.kill('SIGTERM');
        await sleep(1000);
        expect(api.child.exitCode).toBeNull(); // still draining
        await lock.query('commit');
        const answer = await inFlight;
        expect(answer.status).toBe(200);
        const { code } = await api.exited;
        expect(code).toBe(0);
        expect(Date.now() - started).toBeLessThan(EXIT_WITHIN_MS);
        expect(api.messages().filter((m) => /^shutdown: gave up/.test(m))).toEqual([]);
      } finally {
        await lock.end();
      }
      const [row] = await sql<{ n: string }>('select count(*) as n from pg_database where datname = $1', [
        tenant.dbName,
      ]);
      expect(Number(row.n)).toBe(1); // the shutdown touched no data
    } finally {
      await api.cleanup();
      await dropRedisKeys(api.prefix);
    }
  });
  it('SIGTERM while spares are being cloned: the clone in flight gets its catalog row, no job fails, exit 0', async () => {
    const api = new ApiProcess();
    try {
      // The start fills 40 spares one clone at a time: the SIGTERM lands mid-fill.
      await api.start({ TENANT_SPARE_DATABASES: '40' });
      const spareRows = async () =>
        Number((await sql<{ n: string }>('select count(*) as n from spare_databases', [], api.catalogDb))[0].n);
      await until('two spares to be cloned', async () => (await spareRows()) >= 2, 60_000);
      const { code } = await api.terminate();
      expect(code).toBe(0);
      // The queue closed before the catalog did: the job that was cloning recorded its clone and ended.
      expect(
        api.messages().filter((m) => /spares|Unable to acquire|gave up/.test(m) && /fail|Unable|gave up/.test(m)),
      ).toEqual([]);
      const clones = await sql<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [
        `${api.prefix}_spare_`,
      ]);
      expect(clones.length).toBeLessThan(40);
      expect(clones.length).toBe(await spareRows());
    } finally {
      await api.cleanup();
    }
  });

  it('SIGTERM with SHUTDOWN_DRAIN_MS: readiness turns 503 at once, requests of every tenant are still served (Connection: close), then the listener closes and the process exits 0', async () => {
    const api = new ApiProcess();
    try {
      // A drain far longer than a busy machine needs to send the requests below.
      await api.start({
        REDIS_URL: process.env.TESSERA_TEST_REDIS!,
        SHUTDOWN_TIMEOUT_MS: '30000',
        SHUTDOWN_DRAIN_MS: '12000',
      });
      const tenants = [await api.onboard('north'), await api.onboard('south')];
      for (const [i, t] of tenants.entries()) {
        const created = await api.fetch('/api/v1/leads', {
          method: 'POST',
          token: t.token,
          tenant: t.slug,
          body: { name: `Lead of ${t.slug}`, email: `lead${i}@${t.slug}.test` },
        });
        expect(created.status).toBe(201);
      }
      expect((await api.fetch('/health/ready')).status).toBe(200);

      const started = Date.now();
      api.child.kill('SIGTERM');
      await until('readiness to turn 503', async () => (await api.fetch('/health/ready')).status === 503, 10_000);

      // Still serving: 20 requests at once, ten per tenant, each sees its own lead only.
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => tenants[i % 2]).map((t) =>
          rawGet(api.port, '/api/v1/leads', { authorization: `Bearer ${t.token}`, 'x-tenant-id': t.slug }).then(
            (answer) => ({ ...answer, slug: t.slug }),
          ),
        ),
      );
      for (const answer of answers) {
        expect({ status: answer.status, connection: answer.connection }).toEqual({ status: 200, connection: 'close' });
        const emails = (JSON.parse(answer.body) as { data: { email: string }[] }).data.map((l) => l.email);
        expect(emails).toEqual([expect.stringMatching(new RegExp(`@${answer.slug}\\.test$`))]);
      }
      expect(api.child.exitCode).toBeNull(); // still draining

      const { code } = await api.exited;
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(45_000);
      expect(api.messages()).toContain('draining for 12000 ms: /health/ready answers 503, requests are still served');
      expect(api.messages()).toContain('listener closed, every connection finished');
      expect(api.messages().filter((m) => /^shutdown: gave up/.test(m))).toEqual([]);
      await expect(api.fetch('/health/live')).rejects.toThrow(); // the listener is closed
    } finally {
      await api.cleanup();
      await dropRedisKeys(api.prefix);
    }
  });
});
