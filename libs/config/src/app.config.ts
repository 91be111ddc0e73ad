import { ConfigError } from './config.error';
import {
  boolean,
  ConfigVariable,
  decimal,
  durations,
  email,
  EnvVariable,
  integer,
  InvalidValue,
  list,
  map,
  matching,
  oneOf,
  path,
  ReadContext,
  text,
  variable,
} from './env-variable';
import { loadTenantsConfig, TenantsConfig } from './tenants-config';

const POSTGRES_URL = /^postgres(ql)?:\/\/[^\s]+$/;
const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const ORIGINS = /^(https?:\/\/[A-Za-z0-9.-]+(:\d+)?)(,\s*https?:\/\/[A-Za-z0-9.-]+(:\d+)?)*$/;
const onOff = map(oneOf(['on', 'off'], 'must be on or off'), (value) => value === 'on');

/**
 * Every variable Tessera reads, each declared once: `variable(NAME, parser, default)`. The tree is
 * the shape of AppConfig (its type is derived from it); anything else in the environment is not
 * ours to judge. Variables are checked in this order and the first problem stops start-up.
 */
const ENVIRONMENT = {
  env: variable('NODE_ENV', oneOf(['development', 'production', 'test']), 'development'),
  /** HTTP port. */
  port: variable('PORT', integer(0, 65535), '3000'),
  /** The catalog database; unset: an embedded PostgreSQL in DATA_DIR. */
  databaseUrl: variable('DATABASE_URL', matching(POSTGRES_URL, 'must be a postgres:// URL')).requiredInProduction(),
  /** Queues and the shared cache; unset: in-process jobs and a memory cache. */
  redisUrl: variable('REDIS_URL', matching(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// URL')),
  /** Tenant database and role name = prefix + slug. */
  tenantDbPrefix: variable(
    'TENANT_DB_PREFIX',
    matching(/^[a-z][a-z0-9_]{0,22}$/, 'must be 1-23 lower-case letters, digits or _ and start with a letter'),
    'tenant_',
  ),
  /** Budget: at most this many tenant pools of TENANT_POOL_SIZE connections (this × TENANT_POOL_SIZE connections). */
  tenantPoolsMax: variable('TENANT_POOLS_MAX', integer(1, 100000), '50'),
  /** Connections one tenant's pool may grow to while the budget has room. */
  tenantPoolSize: variable('TENANT_POOL_SIZE', integer(1, 100), '4'),
  /** Tenant ORM instances kept per database server (connected or not): a memory bound. */
  tenantOrmsMax: variable('TENANT_ORMS_MAX', integer(1, 1_000_000), '1000'),
  /** How long a request waits for a tenant connection before 503 tenant-pools-busy (ms). */
  tenantAcquireTimeoutMs: variable('TENANT_ACQUIRE_TIMEOUT_MS', integer(100, 60_000), '2000'),
  /** A tenant pool and its ORM instance unused this long are closed (ms). */
  tenantPoolIdleMs: variable('TENANT_POOL_IDLE_MS', integer(1000, 86_400_000), '300000'),
  /** The first platform super admin, created when none exists. */
  platformAdmin: {
    email: variable('PLATFORM_ADMIN_EMAIL', email('must be an email address')),
    password: variable('PLATFORM_ADMIN_PASSWORD', text({ least: 12, most: 256 })),
  },
  /** Tenant sub-domains hang below it. */
  baseDomain: variable('APP_BASE_DOMAIN', matching(DOMAIN, 'must be a lower-case domain name'), 'localhost'),
  /** Requests per second per tenant; 0 turns the limit off. */
  tenantRateLimitRps: variable('TENANT_RATE_LIMIT_RPS', integer(0, 1_000_000), '200'),
  /** The plan of a tenant created without one (a plan code of /platform/plans). */
  defaultPlan: variable('DEFAULT_PLAN', matching(/^[a-z][a-z0-9-]{0,30}$/, 'must be a plan code'), 'standard'),
  /** Apply catalog migrations before listening. */
  migrateOnStart: variable('MIGRATE_ON_START', boolean, 'true'),
  logLevel: variable('LOG_LEVEL', oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  /** The database-server file (tenants.config.json), read into `tenants`. */
  tenantsConfigFile: variable('TENANTS_CONFIG', path, 'tenants.config.json'),
  /** The embedded database's folder. */
  dataDir: variable('DATA_DIR', path, '.data'),
  /** Where development keys are generated when the environment gives none. */
  keysDir: variable('KEYS_DIR', path, '.keys'),
  embeddedPgPort: variable('EMBEDDED_PG_PORT', integer(1024, 65535), '54329'),
  /** base64 of 32 random bytes: encrypts tenant database passwords in the catalog. */
  tenantSecretsKey: variable(
    'TENANT_SECRETS_KEY',
    matching(/^[A-Za-z0-9+/]{43}=$/, 'must be base64 of 32 bytes'),
  ).requiredInProduction(),
  jwt: {
    /** PEM of the EC P-256 private key that signs access tokens. */
    privateKeyPem: variable(
      'JWT_PRIVATE_KEY',
      matching(/-----BEGIN (EC )?PRIVATE KEY-----/, 'must be a PEM private key'),
    ).requiredInProduction(),
    issuer: variable('JWT_ISSUER', text(), 'tessera'),
    audience: variable('JWT_AUDIENCE', text(), 'tessera-api'),
    accessTtlSeconds: variable('ACCESS_TOKEN_TTL', integer(60, 86_400), '900'),
    /** PEM public keys (concatenated) that still verify tokens after a key rotation. */
    previousPublicKeysPem: variable(
      'JWT_PREVIOUS_PUBLIC_KEYS',
      matching(/^(\s*-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----\s*)+$/, 'must be PEM public keys'),
    ),
    /** A refresh token unused this long expires (seconds). */
    refreshTtlSeconds: variable('REFRESH_TOKEN_TTL', integer(300, 31_536_000), '1209600'),
    /** A refresh-token family ends this long after sign-in, whatever the rotations (seconds). */
    refreshFamilyTtlSeconds: variable('REFRESH_FAMILY_TTL', integer(300, 31_536_000), '2592000'),
  },
  login: {
    /** Failed sign-ins allowed per tenant and email within LOGIN_WINDOW_SECONDS. */
    maxFailures: variable('LOGIN_MAX_FAILURES', integer(1, 1000), '5'),
    /** Failed sign-ins allowed per client IP within LOGIN_WINDOW_SECONDS. */
    maxFailuresPerIp: variable('LOGIN_MAX_FAILURES_PER_IP', integer(1, 100_000), '50'),
    windowSeconds: variable('LOGIN_WINDOW_SECONDS', integer(1, 86_400), '900'),
  },
  /** Trust X-Forwarded-For (only behind a load balancer that sets it): client IPs drive login throttling. */
  trustProxy: variable('TRUST_PROXY', boolean, 'false'),
  /** `off` exists only to measure the audit trail's cost (npm run bench); refused in production. */
  auditTrail: variable('AUDIT_TRAIL', onOff, 'on').inProduction((on) => (on ? undefined : 'cannot be off')),
  /** `off` exists only to measure the outbox's cost (npm run bench); refused in production. */
  outbox: variable('OUTBOX', onOff, 'on').inProduction((on) => (on ? undefined : 'cannot be off')),
  /** A comment line on every open GET /events/stream this often (ms); tokens and the tenant are checked at each. */
  eventStreamHeartbeatMs: variable('EVENT_STREAM_HEARTBEAT_MS', integer(50, 300_000), '15000'),
  /** Open event streams per tenant when its plan sets no `eventStreams` limit (across replicas with Redis). */
  eventStreamsPerTenant: variable('EVENT_STREAMS_PER_TENANT', integer(1, 100_000), '20'),
  /** How often each tenant's audit chain head is anchored (signed) in the catalog (ms). */
  auditAnchorIntervalMs: variable('AUDIT_ANCHOR_INTERVAL_MS', integer(100, 3_600_000), '60000'),
  /** Job processors run in this process (the API by default, always the worker; see loadAppConfig). */
  workers: variable('API_WORKERS', boolean, 'true'),
  /** Where offboarding writes each tenant's final backup (pg_dump custom format). */
  backupDir: variable('BACKUP_DIR', path, '.data/backups'),
  /** pg_dump and pg_restore binaries for offboarding backups. */
  pgDump: variable('PG_DUMP', text(), 'pg_dump'),
  pgRestore: variable('PG_RESTORE', text(), 'pg_restore'),
  /** Provisioning attempts before a tenant is marked failed, and the first retry delay (ms, doubling). */
  provisioning: {
    attempts: variable('PROVISION_ATTEMPTS', integer(1, 20), '4'),
    backoffMs: variable('PROVISION_BACKOFF_MS', integer(10, 600_000), '500'),
  },
  /** Pre-cloned spare tenant databases kept per database server, claimed by onboarding instead of cloning. */
  spareDatabases: {
    /** Spares per server; 0 turns them off (and the next refill drops those left). */
    count: variable('TENANT_SPARE_DATABASES', integer(0, 100), '3'),
    /** How often each server's spares are checked and refilled, besides after every claim and at start-up (ms). */
    refillMs: variable('TENANT_SPARE_REFILL_MS', integer(1000, 86_400_000), '60000'),
  },
  relocation: {
    /** Hours a relocated tenant's source database is kept (read-only) before a job drops it. */
    keepHours: variable('RELOCATION_KEEP_HOURS', integer(0, 8760), '72'),
    /** Longest wait, at a write freeze, for the tenant's sessions on the source to finish (ms). */
    freezeDrainMs: variable('RELOCATION_FREEZE_DRAIN_MS', integer(100, 60_000), '3000'),
  },
  /** How long a worker's lock on a running job lasts; a killed worker's job is retried after it. */
  jobsLockMs: variable('JOBS_LOCK_MS', integer(500, 600_000), '30000'),
  connectionBudget: {
    /** Share of each database server's max_connections the API instances may take for tenant pools. */
    share: variable('DB_CONNECTION_SHARE', decimal(0.05, 1, 'must be a number between 0.05 and 1'), '0.8'),
    /** How many API/worker processes share each database server (the budget is split between them). */
    instances: variable('API_INSTANCES', integer(1, 10_000), '1'),
  },
  /** When set, GET /metrics wants `Authorization: Bearer <this>`. */
  metricsToken: variable('METRICS_TOKEN', text({ least: 16 })).requiredInProduction(),
  /** Browser origins allowed by CORS, comma-separated (none by default: server-to-server only). */
  corsOrigins: variable('CORS_ORIGINS', list(ORIGINS, 'must be comma-separated http(s) origins'), ''),
  webhooks: {
    /** Delays before each retry of a failed delivery; after the last one the delivery is failed. */
    retryScheduleMs: variable(
      'WEBHOOK_RETRY_SCHEDULE',
      durations(0, 7 * 86_400_000, { least: 1, most: 30 }),
      '5s,5m,30m,2h,5h,10h,10h',
    ),
    /** Development and tests only: endpoints on loopback and private addresses (never link-local/metadata). */
    allowPrivate: variable('WEBHOOKS_ALLOW_PRIVATE', boolean, 'false').inProduction((on) =>
      on ? 'cannot be true' : undefined,
    ),
    /** Development and tests only: http:// endpoints. */
    allowHttp: variable('WEBHOOKS_ALLOW_HTTP', boolean, 'false').inProduction((on) =>
      on ? 'cannot be true' : undefined,
    ),
    /** How often the relay looks for committed events of recently served tenants that no wake-up handled (ms). */
    relaySweepMs: variable('EVENT_RELAY_SWEEP_MS', integer(50, 3_600_000), '5000'),
  },
  /** A request still running after this long is answered 503 and its connection closed (ms). */
  requestTimeoutMs: variable('REQUEST_TIMEOUT_MS', integer(1000, 600_000), '30000'),
  /**
   * A running request's claim on its Idempotency-Key lasts this long unless renewed; the request
   * renews it every third of this while it runs, so a request whose process died frees its key
   * within this long (ms).
   */
  idempotencyLeaseMs: variable('IDEMPOTENCY_LEASE_MS', integer(1000, 600_000), '15000'),
  /** SIGTERM/SIGINT ends the process within this long, giving up (and logging) whatever still waits (ms). */
  shutdownTimeoutMs: variable('SHUTDOWN_TIMEOUT_MS', integer(1000, 600_000), '15000'),
  /**
   * SIGTERM first takes the API out of the load balancer (GET /health/ready answers 503) and keeps
   * serving this long before the listener closes (ms). Unset: 5000 when NODE_ENV=production, else 0.
   */
  shutdownDrainMs: variable('SHUTDOWN_DRAIN_MS', integer(0, 300_000)),
};

interface EnvironmentTree {
  readonly [key: string]: ConfigVariable | EnvironmentTree;
}

const isVariable = (entry: ConfigVariable | EnvironmentTree): entry is ConfigVariable => entry instanceof EnvVariable;

/** The values of a tree of variables, in its shape. */
type ValuesOf<Tree> = { [Key in keyof Tree]: Tree[Key] extends EnvVariable<infer T> ? T : ValuesOf<Tree[Key]> };

export type AppConfig = Omit<ValuesOf<typeof ENVIRONMENT>, 'shutdownDrainMs'> & {
  /** SHUTDOWN_DRAIN_MS, or its default for NODE_ENV. */
  shutdownDrainMs: number;
  /** The database servers of tenants.config.json, their credentials resolved. */
  tenants: TenantsConfig;
};

/** Reads every variable of `tree` in order; the first that does not parse throws, naming it. */
function readTree(
  tree: EnvironmentTree,
  env: NodeJS.ProcessEnv,
  context: ReadContext,
  productionProblems: string[],
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(tree)) {
    if (!isVariable(entry)) {
      values[key] = readTree(entry, env, context, productionProblems);
      continue;
    }
    try {
      const { value, productionProblem } = entry.read(env, context);
      values[key] = value;
      if (productionProblem) productionProblems.push(`${entry.name} ${productionProblem}`);
    } catch (error) {
      if (error instanceof InvalidValue) throw new ConfigError(`environment: ${entry.name}: ${error.message}`);
      throw error;
    }
  }
  return values;
}

/** Reads and validates the whole configuration; throws a one-line ConfigError on the first problem. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AppConfig {
  const productionProblems: string[] = [];
  // The tree's types are those of its parsers: readTree only walks it.
  const config = readTree(ENVIRONMENT, env, { cwd }, productionProblems) as ValuesOf<typeof ENVIRONMENT>;
  if (config.env === 'production' && productionProblems.length) {
    throw new ConfigError(`environment: ${productionProblems[0]} when NODE_ENV=production`);
  }
  const shutdownDrainMs = config.shutdownDrainMs ?? (config.env === 'production' ? 5000 : 0);
  // The drain is part of the bounded shutdown: at least half of it is left for closing.
  if (shutdownDrainMs > config.shutdownTimeoutMs / 2) {
    throw new ConfigError('environment: SHUTDOWN_DRAIN_MS must not be more than half of SHUTDOWN_TIMEOUT_MS');
  }
  return {
    ...config,
    // Without Redis the in-process driver is the only worker there is.
    workers: config.workers || !config.redisUrl,
    shutdownDrainMs,
    tenants: loadTenantsConfig(config.tenantsConfigFile, env),
  };
}
