// class-transformer's @Type needs the Reflect metadata API, which the entry points (apps/*/main.ts) load first.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAppConfig } from './app.config';
import { ConfigError } from './config.error';
import { parseTenantsConfig } from './tenants-config';

const CATALOG_ONLY = JSON.stringify({
  servers: [{ name: 'main', useCatalogServer: true, capacity: 100, tags: ['general'] }],
});

const folders: string[] = [];

function emptyFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-config-spec-'));
  folders.push(dir);
  return dir;
}

/** A fresh folder holding `file` (tenants.config.json by default) with `text` in it. */
function folderWith(text = CATALOG_ONLY, file = 'tenants.config.json'): string {
  const dir = emptyFolder();
  writeFileSync(join(dir, file), text);
  return dir;
}

afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** Asserts `fn` throws a ConfigError of one line that contains every fragment; returns its message. */
function configError(fn: () => unknown, ...fragments: string[]): string {
  let error: unknown;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const message = (error as ConfigError).message;
  expect(message).not.toMatch(/[\r\n]/);
  for (const fragment of fragments) expect(message).toContain(fragment);
  return message;
}

const PRODUCTION = {
  NODE_ENV: 'production',
  TENANT_SECRETS_KEY: randomBytes(32).toString('base64'),
  JWT_PRIVATE_KEY:
    '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n',
  DATABASE_URL: 'postgres://tessera:secret@db.internal:5432/catalog',
  METRICS_TOKEN: randomBytes(24).toString('base64url'),
};

describe('loadAppConfig: environment', () => {
  it('applies the defaults to an empty environment', () => {
    const cwd = folderWith();
    const config = loadAppConfig({}, cwd);
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      tenantDbPrefix: 'tenant_',
      tenantPoolsMax: 50,
      tenantPoolSize: 4,
      tenantOrmsMax: 1000,
      tenantAcquireTimeoutMs: 2000,
      tenantPoolIdleMs: 300_000,
      baseDomain: 'localhost',
      tenantRateLimitRps: 200,
      defaultPlan: 'standard',
      migrateOnStart: true,
      logLevel: 'info',
      embeddedPgPort: 54329,
      dataDir: join(cwd, '.data'),
      keysDir: join(cwd, '.keys'),
      jwt: { issuer: 'tessera', audience: 'tessera-api', accessTtlSeconds: 900 },
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.tenantSecretsKey).toBeUndefined();
    expect(config.tenants.servers).toEqual([
      { name: 'main', useCatalogServer: true, capacity: 100, tags: ['general'] },
    ]);
  });

  it('parses numbers and booleans from strings', () => {
    const config = loadAppConfig(
      {
        PORT: '8080',
        TENANT_POOLS_MAX: ' 12 ',
        TENANT_POOL_SIZE: '2',
        TENANT_ORMS_MAX: '3000',
        TENANT_ACQUIRE_TIMEOUT_MS: '5000',
        TENANT_POOL_IDLE_MS: '5000',
        TENANT_RATE_LIMIT_RPS: '0',
        MIGRATE_ON_START: 'false',
        ACCESS_TOKEN_TTL: '600',
      },
      folderWith(),
    );
    expect(config).toMatchObject({
      port: 8080,
      tenantPoolsMax: 12,
      tenantPoolSize: 2,
      tenantOrmsMax: 3000,
      tenantAcquireTimeoutMs: 5000,
      tenantPoolIdleMs: 5000,
      tenantRateLimitRps: 0,
      migrateOnStart: false,
      jwt: { accessTtlSeconds: 600 },
    });
  });

  it.each([
    ['true', true],
    [' TRUE ', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['false', false],
    ['0', false],
    ['No', false],
    ['off', false],
  ])('reads MIGRATE_ON_START=%p as %p', (value, expected) => {
    expect(loadAppConfig({ MIGRATE_ON_START: value }, folderWith()).migrateOnStart).toBe(expected);
  });

  it('keeps the given strings', () => {
    const config = loadAppConfig(
      {
        DATABASE_URL: 'postgresql://u:p@h:5432/db',
        REDIS_URL: 'redis://cache:6379',
        TENANT_DB_PREFIX: 'crm_',
        APP_BASE_DOMAIN: 'tessera.example.com',
        LOG_LEVEL: 'debug',
        PLATFORM_ADMIN_EMAIL: 'root@example.com',
        PLATFORM_ADMIN_PASSWORD: 'a-long-enough-password',
      },
      folderWith(),
    );
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://u:p@h:5432/db',
      redisUrl: 'redis://cache:6379',
      tenantDbPrefix: 'crm_',
      baseDomain: 'tessera.example.com',
      logLevel: 'debug',
      platformAdmin: { email: 'root@example.com', password: 'a-long-enough-password' },
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadAppConfig({ PORT: '', LOG_LEVEL: '' }, folderWith())).toMatchObject({ port: 3000, logLevel: 'info' });
  });

  it('ignores variables it does not read', () => {
    const env = {
      PATH: '/usr/bin',
      HOME: '/root',
      FOO: 'not a number',
      port: 'abc',
      npm_config_cache: '/tmp/x',
      TENANT_UNKNOWN: 'x',
    };
    expect(loadAppConfig(env, folderWith()).port).toBe(3000);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://cache'],
    ['TENANT_DB_PREFIX', 'Bad-'],
    ['TENANT_POOLS_MAX', '0'],
    ['TENANT_POOL_SIZE', '101'],
    ['TENANT_ORMS_MAX', '0'],
    ['TENANT_ACQUIRE_TIMEOUT_MS', '50'],
    ['TENANT_POOL_IDLE_MS', '10'],
    ['MIGRATE_ON_START', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['APP_BASE_DOMAIN', 'Bad Domain'],
    ['NODE_ENV', 'staging'],
    ['PLATFORM_ADMIN_EMAIL', 'not-an-email'],
    ['JWT_PRIVATE_KEY', 'not a pem'],
  ])('rejects %s=%p with a one-line ConfigError naming it', (name, value) => {
    configError(() => loadAppConfig({ [name]: value }, folderWith()), `${name}:`);
  });

  it.each([
    ['TENANT_SECRETS_KEY', 'short'],
    ['TENANT_SECRETS_KEY', randomBytes(16).toString('base64')],
    ['PLATFORM_ADMIN_PASSWORD', 'short'],
    ['PLATFORM_ADMIN_PASSWORD', 'hunter2pw'],
  ])('rejects the secret %s=%p without echoing its value', (name, value) => {
    const message = configError(() => loadAppConfig({ [name]: value }, folderWith()), name);
    expect(message).not.toContain(value);
  });

  it('accepts a complete production environment', () => {
    const config = loadAppConfig(PRODUCTION, folderWith());
    expect(config).toMatchObject({
      env: 'production',
      databaseUrl: PRODUCTION.DATABASE_URL,
      tenantSecretsKey: PRODUCTION.TENANT_SECRETS_KEY,
    });
    expect(config.jwt.privateKeyPem).toBe(PRODUCTION.JWT_PRIVATE_KEY);
  });

  it.each(['TENANT_SECRETS_KEY', 'JWT_PRIVATE_KEY', 'DATABASE_URL', 'METRICS_TOKEN'] as const)(
    'requires %s when NODE_ENV=production',
    (name) => {
      const env: Record<string, string> = { ...PRODUCTION };
      delete env[name];
      configError(() => loadAppConfig(env, folderWith()), name, 'NODE_ENV=production');
    },
  );

  it('does not require the production secrets outside production', () => {
    expect(() => loadAppConfig({ NODE_ENV: 'test' }, folderWith())).not.toThrow();
  });

  it('anchors audit chains every minute unless AUDIT_ANCHOR_INTERVAL_MS says otherwise', () => {
    expect(loadAppConfig({}, folderWith()).auditAnchorIntervalMs).toBe(60_000);
    expect(loadAppConfig({ AUDIT_ANCHOR_INTERVAL_MS: '250' }, folderWith()).auditAnchorIntervalMs).toBe(250);
    configError(() => loadAppConfig({ AUDIT_ANCHOR_INTERVAL_MS: '5' }, folderWith()), 'AUDIT_ANCHOR_INTERVAL_MS');
  });

  it('refuses AUDIT_TRAIL=off in production, in one line that names it', () => {
    expect(loadAppConfig({ AUDIT_TRAIL: 'off' }, folderWith()).auditTrail).toBe(false);
    const message = configError(
      () => loadAppConfig({ ...PRODUCTION, AUDIT_TRAIL: 'off' }, folderWith()),
      'AUDIT_TRAIL',
    );
    expect(message).toBe('environment: AUDIT_TRAIL cannot be off when NODE_ENV=production');
  });

  it('names the first bad variable when several are bad', () => {
    const message = configError(() =>
      loadAppConfig({ LOG_LEVEL: 'loud', PORT: 'abc', SHUTDOWN_TIMEOUT_MS: '1' }, folderWith()),
    );
    expect(message).toBe('environment: PORT: must be an integer number');
  });

  it('reads CORS_ORIGINS as a list of origins, none when unset', () => {
    expect(loadAppConfig({}, folderWith()).corsOrigins).toEqual([]);
    const config = loadAppConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }, folderWith());
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    configError(() => loadAppConfig({ CORS_ORIGINS: 'app.example.com' }, folderWith()), 'CORS_ORIGINS:');
  });

  it('runs the job processors in the API process unless API_WORKERS=false with Redis', () => {
    expect(loadAppConfig({}, folderWith()).workers).toBe(true);
    expect(loadAppConfig({ API_WORKERS: 'false' }, folderWith()).workers).toBe(true);
    expect(loadAppConfig({ API_WORKERS: 'false', REDIS_URL: 'redis://cache:6379' }, folderWith()).workers).toBe(false);
  });

  it('resolves the folders against cwd, given or by default', () => {
    const cwd = folderWith();
    expect(loadAppConfig({ KEYS_DIR: 'secrets', BACKUP_DIR: '/srv/backups' }, cwd)).toMatchObject({
      keysDir: join(cwd, 'secrets'),
      backupDir: '/srv/backups',
      dataDir: join(cwd, '.data'),
    });
    expect(loadAppConfig({}, cwd).backupDir).toBe(join(cwd, '.data/backups'));
  });

  it('drains 5 s before closing in production and not at all otherwise, unless SHUTDOWN_DRAIN_MS says', () => {
    expect(loadAppConfig({ ...PRODUCTION }, folderWith()).shutdownDrainMs).toBe(5000);
    for (const NODE_ENV of ['development', 'test'])
      expect(loadAppConfig({ NODE_ENV }, folderWith()).shutdownDrainMs).toBe(0);
    expect(loadAppConfig({ ...PRODUCTION, SHUTDOWN_DRAIN_MS: '0' }, folderWith()).shutdownDrainMs).toBe(0);
    expect(loadAppConfig({ NODE_ENV: 'test', SHUTDOWN_DRAIN_MS: '2000' }, folderWith()).shutdownDrainMs).toBe(2000);
  });

  it('refuses a SHUTDOWN_DRAIN_MS longer than half of SHUTDOWN_TIMEOUT_MS, in one line', () => {
    const message = configError(
      () => loadAppConfig({ SHUTDOWN_DRAIN_MS: '8000', SHUTDOWN_TIMEOUT_MS: '15000' }, folderWith()),
      'SHUTDOWN_DRAIN_MS',
    );
    expect(message).toBe('environment: SHUTDOWN_DRAIN_MS must not be more than half of SHUTDOWN_TIMEOUT_MS');
    configError(() => loadAppConfig({ SHUTDOWN_DRAIN_MS: '-1' }, folderWith()), 'SHUTDOWN_DRAIN_MS:');
  });

  it('leaves /metrics open without METRICS_TOKEN in development and test', () => {
    for (const NODE_ENV of ['development', 'test'])
      expect(loadAppConfig({ NODE_ENV }, folderWith()).metricsToken).toBeUndefined();
  });

  it('refuses to start in production without METRICS_TOKEN, in one line that names it', () => {
    const env: Record<string, string> = { ...PRODUCTION };
    delete env.METRICS_TOKEN;
    const message = configError(() => loadAppConfig(env, folderWith()), 'METRICS_TOKEN', 'NODE_ENV=production');
    expect(message).toBe('environment: METRICS_TOKEN must be set when NODE_ENV=production');
  });

  it('retries webhooks 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h apart unless WEBHOOK_RETRY_SCHEDULE says', () => {
    const h = 3_600_000;
    expect(loadAppConfig({}, folderWith()).webhooks).toEqual({
      retryScheduleMs: [5000, 300_000, 1_800_000, 2 * h, 5 * h, 10 * h, 10 * h],
      allowPrivate: false,
      allowHttp: false,
      relaySweepMs: 5000,
    });
    const given = loadAppConfig({ WEBHOOK_RETRY_SCHEDULE: '250ms, 1s,2m,1d' }, folderWith());
    expect(given.webhooks.retryScheduleMs).toEqual([250, 1000, 120_000, 86_400_000]);
  });

  it.each([' , ', '5x', '1s,,2s', '-1s', '8d', '1.5s'])(
    'refuses WEBHOOK_RETRY_SCHEDULE=%p in one line that names it',
    (value) => {
      expect(() => loadAppConfig({ WEBHOOK_RETRY_SCHEDULE: value }, folderWith())).toThrow(
        /^environment: WEBHOOK_RETRY_SCHEDULE: /,
      );
    },
  );

  it('refuses WEBHOOKS_ALLOW_PRIVATE and WEBHOOKS_ALLOW_HTTP in production', () => {
    expect(() => loadAppConfig({ ...PRODUCTION, WEBHOOKS_ALLOW_PRIVATE: 'true' }, folderWith())).toThrow(
      'environment: WEBHOOKS_ALLOW_PRIVATE cannot be true when NODE_ENV=production',
    );
    expect(() => loadAppConfig({ ...PRODUCTION, WEBHOOKS_ALLOW_HTTP: 'true' }, folderWith())).toThrow(
      'environment: WEBHOOKS_ALLOW_HTTP cannot be true when NODE_ENV=production',
    );
  });
});

describe('loadAppConfig: tenants.config.json', () => {
  it('reads the file named by TENANTS_CONFIG, relative to cwd', () => {
    const cwd = folderWith(
      JSON.stringify({ servers: [{ name: 'other', useCatalogServer: true, capacity: 7 }] }),
      'custom.json',
    );
    const config = loadAppConfig({ TENANTS_CONFIG: 'custom.json' }, cwd);
    expect(config.tenants.servers).toEqual([{ name: 'other', useCatalogServer: true, capacity: 7, tags: [] }]);
    expect(config.tenants.placement).toMatchObject({ policy: 'least-loaded', generalTags: ['general'] });
  });

  it('accepts an absolute TENANTS_CONFIG', () => {
    const dir = folderWith(CATALOG_ONLY, 'abs.json');
    expect(loadAppConfig({ TENANTS_CONFIG: join(dir, 'abs.json') }, emptyFolder()).tenants.servers).toHaveLength(1);
  });

  it('rejects a missing file, naming it', () => {
    const cwd = emptyFolder();
    configError(() => loadAppConfig({}, cwd), 'TENANTS_CONFIG', join(cwd, 'tenants.config.json'), 'does not exist');
  });

  it('rejects invalid JSON, naming the file', () => {
    const cwd = folderWith('{ "servers": [ }');
    configError(() => loadAppConfig({}, cwd), join(cwd, 'tenants.config.json'), 'not valid JSON');
  });

  // V8 quotes the offending source text in it, newlines included, so a multi-line file gives a multi-line error.
  it('reports invalid JSON in a multi-line file on one line', () => {
    // A Python-style `True`: V8's message then quotes `..."gServer": True,\n    "...`.
    const cwd = folderWith(
      '{\n  "servers": [\n    { "name": "main",\n      "useCatalogServer": True,\n      "capacity": 10 }\n  ]\n}\n',
    );
    configError(() => loadAppConfig({}, cwd), 'not valid JSON');
  });

  it('rejects a file without servers', () => {
    const cwd = folderWith(JSON.stringify({ servers: [] }));
    configError(() => loadAppConfig({}, cwd), join(cwd, 'tenants.config.json'), 'servers');
  });

  it('rejects an unknown key such as a literal password', () => {
    const cwd = folderWith(
      JSON.stringify({
        servers: [
          { name: 'pg2', host: 'pg2', port: 5432, adminUserEnv: 'PG2_USER', password: 'hunter2', capacity: 10 },
        ],
      }),
    );
    const message = configError(
      () => loadAppConfig({ PG2_USER: 'admin' } as NodeJS.ProcessEnv, cwd),
      join(cwd, 'tenants.config.json'),
      'password',
      'should not exist',
    );
    expect(message).not.toContain('hunter2');
  });

  it('rejects duplicate server names', () => {
    const cwd = folderWith(
      JSON.stringify({
        servers: [
          { name: 'main', useCatalogServer: true, capacity: 1 },
          { name: 'main', useCatalogServer: true, capacity: 2 },
        ],
      }),
    );
    configError(() => loadAppConfig({}, cwd), 'servers[1]', 'duplicate server name "main"');
  });

  it('rejects a server that is neither the catalog server nor has a host', () => {
    const cwd = folderWith(
      JSON.stringify({ servers: [{ name: 'pg2', port: 5432, adminUserEnv: 'PG2_USER', capacity: 10 }] }),
    );
    configError(() => loadAppConfig({ PG2_USER: 'admin' } as NodeJS.ProcessEnv, cwd), 'servers[0]', 'host');
  });

  it('rejects adminUserEnv naming an unset variable', () => {
    const cwd = folderWith(
      JSON.stringify({ servers: [{ name: 'pg2', host: 'pg2', port: 5432, adminUserEnv: 'PG2_USER', capacity: 10 }] }),
    );
    configError(() => loadAppConfig({}, cwd), 'servers[0]', 'PG2_USER is not set');
  });

  it('rejects useCatalogServer together with a host', () => {
    const cwd = folderWith(
      JSON.stringify({ servers: [{ name: 'main', useCatalogServer: true, host: 'db', capacity: 10 }] }),
    );
    configError(() => loadAppConfig({}, cwd), 'servers[0]', 'useCatalogServer');
  });

  it('resolves the credentials of a second server from the named variables', () => {
    const cwd = folderWith(
      JSON.stringify({
        placement: { policy: 'least-loaded', generalTags: ['general', 'eu'] },
        servers: [
          { name: 'main', useCatalogServer: true, capacity: 100, tags: ['general'] },
          {
            name: 'pg-eu',
            host: '10.0.0.7',
            port: 6432,
            adminUserEnv: 'PG_EU_USER',
            adminPasswordEnv: 'PG_EU_PASSWORD',
            capacity: 500,
            tags: ['eu'],
          },
        ],
      }),
    );
    const config = loadAppConfig({ PG_EU_USER: 'tessera_admin', PG_EU_PASSWORD: 's3cret' } as NodeJS.ProcessEnv, cwd);
    expect(config.tenants.placement.generalTags).toEqual(['general', 'eu']);
    expect(config.tenants.servers[1]).toEqual({
      name: 'pg-eu',
      useCatalogServer: false,
      host: '10.0.0.7',
      port: 6432,
      adminUser: 'tessera_admin',
      adminPassword: 's3cret',
      capacity: 500,
      tags: ['eu'],
    });
  });
});

describe('parseTenantsConfig', () => {
  const server = { name: 'pg2', host: 'pg2.internal', port: 5432, adminUserEnv: 'PG2_USER', capacity: 10 };
  const parse = (value: unknown, env: NodeJS.ProcessEnv = { PG2_USER: 'admin' } as NodeJS.ProcessEnv) =>
    parseTenantsConfig(JSON.stringify(value), 'inline.json', env);

  it('leaves the password undefined when no adminPasswordEnv is given', () => {
    expect(parse({ servers: [server] }).servers[0]).toMatchObject({ adminUser: 'admin', adminPassword: undefined });
  });

  it('rejects adminPasswordEnv naming an unset variable', () => {
    configError(
      () => parse({ servers: [{ ...server, adminPasswordEnv: 'PG2_PASSWORD' }] }),
      'inline.json',
      'PG2_PASSWORD is not set',
    );
  });

  it('rejects a non-catalog server without a port', () => {
    const { port: _port, ...withoutPort } = server;
    configError(() => parse({ servers: [withoutPort] }), 'inline.json: servers[0]', 'port');
  });

  it.each([
    ['a top-level array', []],
    ['null', null],
    ['a string', 'servers'],
  ])('rejects %s', (_label, value) => {
    configError(() => parse(value), 'inline.json');
  });

  it.each([
    ['a bad server name', { servers: [{ ...server, name: 'PG 2' }] }, 'name'],
    ['a port out of range', { servers: [{ ...server, port: 70000 }] }, 'port'],
    ['a zero capacity', { servers: [{ ...server, capacity: 0 }] }, 'capacity'],
    ['a lower-case adminUserEnv', { servers: [{ ...server, adminUserEnv: 'pg2_user' }] }, 'adminUserEnv'],
    ['an unknown placement policy', { placement: { policy: 'random' }, servers: [server] }, 'policy'],
    ['an unknown top-level key', { servers: [server], extra: true }, 'extra'],
  ])('rejects %s, naming the field', (_label, value, field) => {
    configError(() => parse(value), 'inline.json', field);
  });

  it("keeps a server's pooler beside its direct address", () => {
    const parsed = parse({ servers: [{ ...server, pooler: { host: 'pgbouncer.internal', port: 6432 } }] });
    expect(parsed.servers[0]).toMatchObject({
      host: 'pg2.internal',
      port: 5432,
      pooler: { host: 'pgbouncer.internal', port: 6432 },
    });
  });

  it('accepts a pooler on a useCatalogServer server', () => {
    const catalog = { name: 'main', useCatalogServer: true, capacity: 10, pooler: { host: '127.0.0.1', port: 6432 } };
    expect(parse({ servers: [catalog] }).servers[0]).toEqual({
      name: 'main',
      useCatalogServer: true,
      pooler: { host: '127.0.0.1', port: 6432, maxDbConnections: 2, serverIdleTimeout: 10 },
      capacity: 10,
      tags: [],
    });
  });

  it("takes PgBouncer's max_db_connections and server_idle_timeout of a pooler as given", () => {
    const pooler = { host: 'pgb', port: 6432, maxDbConnections: 1, serverIdleTimeout: 0.25 };
    expect(parse({ servers: [{ ...server, pooler }] }).servers[0].pooler).toEqual(pooler);
  });

  it('leaves pooler undefined when a server names none', () => {
    expect(parse({ servers: [server] }).servers[0].pooler).toBeUndefined();
  });

  it.each([
    ['an unknown key', { host: 'pgb', port: 6432, mode: 'session' }, 'pooler.mode'],
    ['no port', { host: 'pgb' }, 'pooler.port'],
    ['no host', { port: 6432 }, 'pooler.host'],
    ['a port out of range', { host: 'pgb', port: 0 }, 'pooler.port'],
    ['a port as a string', { host: 'pgb', port: '6432' }, 'pooler.port'],
    ['a host with a scheme', { host: 'postgres://pgb', port: 6432 }, 'pooler.host'],
    ['a string instead of an object', 'pgb:6432', 'pooler'],
    ['an array instead of an object', [{ host: 'pgb', port: 6432 }], 'pooler'],
    ['a zero maxDbConnections', { host: 'pgb', port: 6432, maxDbConnections: 0 }, 'pooler.maxDbConnections'],
    ['a serverIdleTimeout of 0 (never)', { host: 'pgb', port: 6432, serverIdleTimeout: 0 }, 'pooler.serverIdleTimeout'],
  ])('rejects a pooler with %s as one config error naming the field', (_label, pooler, field) => {
    configError(() => parse({ servers: [{ ...server, pooler }] }), 'inline.json', field);
  });

  it('names the source and the problem for invalid JSON', () => {
    configError(() => parseTenantsConfig('not json', 'inline.json', {}), 'inline.json: not valid JSON');
  });
});
