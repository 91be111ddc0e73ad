import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { resolve } from 'node:path';
import { ConfigError } from './config.error';
import { loadTenantsConfig, TenantsConfig } from './tenants-config';
import { validateOrThrow } from './validate';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value);
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};

const POSTGRES_URL = /^postgres(ql)?:\/\/[^\s]+$/;

/** The environment Tessera reads. Field names are the variable names, so errors name them. */
class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsOptional()
  @Matches(POSTGRES_URL, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL?: string;

  @Matches(/^[a-z][a-z0-9_]{0,22}$/, { message: 'TENANT_DB_PREFIX must be 1-23 lower-case letters, digits or _ and start with a letter' })
  TENANT_DB_PREFIX = 'tenant_';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  TENANT_POOLS_MAX = 50;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  TENANT_POOL_SIZE = 4;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  TENANT_POOL_IDLE_MS = 300_000;

  @IsOptional()
  @IsEmail({}, { message: 'PLATFORM_ADMIN_EMAIL must be an email address' })
  PLATFORM_ADMIN_EMAIL?: string;

  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'PLATFORM_ADMIN_PASSWORD must be at least 12 characters' })
  @MaxLength(256)
  PLATFORM_ADMIN_PASSWORD?: string;

  @Matches(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, { message: 'APP_BASE_DOMAIN must be a lower-case domain name' })
  APP_BASE_DOMAIN = 'localhost';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  TENANT_RATE_LIMIT_RPS = 200;

  @Transform(toBool)
  @IsBoolean({ message: 'MIGRATE_ON_START must be true or false' })
  MIGRATE_ON_START = true;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsString()
  TENANTS_CONFIG = 'tenants.config.json';

  @IsString()
  DATA_DIR = '.data';

  @IsString()
  KEYS_DIR = '.keys';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  /** base64 of 32 random bytes: encrypts tenant database passwords in the catalog. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'TENANT_SECRETS_KEY must be base64 of 32 bytes' })
  TENANT_SECRETS_KEY?: string;

  /** PEM of the EC P-256 private key that signs access tokens. */
  @IsOptional()
  @Matches(/-----BEGIN (EC )?PRIVATE KEY-----/, { message: 'JWT_PRIVATE_KEY must be a PEM private key' })
  JWT_PRIVATE_KEY?: string;

  @IsString()
  @MinLength(1)
  JWT_ISSUER = 'tessera';

  @IsString()
  @MinLength(1)
  JWT_AUDIENCE = 'tessera-api';

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86_400)
  ACCESS_TOKEN_TTL = 900;

  /** PEM public keys (concatenated) that still verify tokens after a key rotation. */
  @IsOptional()
  @Matches(/^(\s*-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----\s*)+$/, { message: 'JWT_PREVIOUS_PUBLIC_KEYS must be PEM public keys' })
  JWT_PREVIOUS_PUBLIC_KEYS?: string;

  /** A refresh token unused this long expires (seconds). */
  @Transform(toInt)
  @IsInt()
  @Min(300)
  @Max(31_536_000)
  REFRESH_TOKEN_TTL = 1_209_600;

  /** A refresh-token family ends this long after sign-in, whatever the rotations (seconds). */
  @Transform(toInt)
  @IsInt()
  @Min(300)
  @Max(31_536_000)
  REFRESH_FAMILY_TTL = 2_592_000;

  /** Failed sign-ins allowed per tenant and email within LOGIN_WINDOW_SECONDS. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES = 5;

  /** Failed sign-ins allowed per client IP within LOGIN_WINDOW_SECONDS. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOGIN_MAX_FAILURES_PER_IP = 50;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  LOGIN_WINDOW_SECONDS = 900;

  /** Trust X-Forwarded-For (only behind a load balancer that sets it): client IPs drive login throttling. */
  @Transform(toBool)
  @IsBoolean({ message: 'TRUST_PROXY must be true or false' })
  TRUST_PROXY = false;

  /** `off` exists only to measure the audit trail's cost (npm run bench); refused in production. */
  @IsIn(['on', 'off'], { message: 'AUDIT_TRAIL must be on or off' })
  AUDIT_TRAIL: 'on' | 'off' = 'on';

  /** How often each tenant's audit chain head is anchored (signed) in the catalog. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  AUDIT_ANCHOR_INTERVAL_MS = 60_000;

  /** Run the job processors inside the API process; false when apps/worker runs them (needs REDIS_URL). */
  @Transform(toBool)
  @IsBoolean({ message: 'API_WORKERS must be true or false' })
  API_WORKERS = true;

  /** Where offboarding writes each tenant's final backup (pg_dump custom format). */
  @IsString()
  BACKUP_DIR = '.data/backups';

  /** pg_dump and pg_restore binaries for offboarding backups. */
  @IsString()
  PG_DUMP = 'pg_dump';

  @IsString()
  PG_RESTORE = 'pg_restore';

  /** Provisioning attempts before a tenant is marked failed, and the first retry delay (ms, doubling). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(20)
  PROVISION_ATTEMPTS = 4;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(600_000)
  PROVISION_BACKOFF_MS = 500;

  /** How long a worker's lock on a running job lasts; a killed worker's job is retried after it. */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(600_000)
  JOBS_LOCK_MS = 30_000;

  /** Share of each database server's max_connections the API instances may take for tenant pools. */
  @Transform(({ value }) => (typeof value === 'string' && /^\d*\.?\d+$/.test(value) ? Number(value) : value))
  @IsNumber({}, { message: 'DB_CONNECTION_SHARE must be a number between 0.05 and 1' })
  @Min(0.05)
  @Max(1)
  DB_CONNECTION_SHARE = 0.8;

  /** How many API/worker processes share each database server (the budget is split between them). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  API_INSTANCES = 1;

  /** When set, GET /metrics wants `Authorization: Bearer <this>`. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;

  /** Browser origins allowed by CORS, comma-separated (none by default: server-to-server only). */
  @IsOptional()
  @Matches(/^(https?:\/\/[A-Za-z0-9.-]+(:\d+)?)(,\s*https?:\/\/[A-Za-z0-9.-]+(:\d+)?)*$/, { message: 'CORS_ORIGINS must be comma-separated http(s) origins' })
  CORS_ORIGINS?: string;

  /** A request still running after this long is answered 503 and its connection closed (ms). */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  REQUEST_TIMEOUT_MS = 30_000;

  /** SIGTERM/SIGINT ends the process within this long, giving up (and logging) whatever still waits (ms). */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS = 15_000;
}

/** Every variable Tessera reads; anything else in the environment is not ours to judge. */
export const ENV_KEYS = [
  'NODE_ENV',
  'PORT',
  'DATABASE_URL',
  'REDIS_URL',
  'TENANT_DB_PREFIX',
  'TENANT_POOLS_MAX',
  'TENANT_POOL_SIZE',
  'TENANT_POOL_IDLE_MS',
  'PLATFORM_ADMIN_EMAIL',
  'PLATFORM_ADMIN_PASSWORD',
  'APP_BASE_DOMAIN',
  'TENANT_RATE_LIMIT_RPS',
  'MIGRATE_ON_START',
  'LOG_LEVEL',
  'TENANTS_CONFIG',
  'DATA_DIR',
  'KEYS_DIR',
  'EMBEDDED_PG_PORT',
  'TENANT_SECRETS_KEY',
  'JWT_PRIVATE_KEY',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'ACCESS_TOKEN_TTL',
  'JWT_PREVIOUS_PUBLIC_KEYS',
  'REFRESH_TOKEN_TTL',
  'REFRESH_FAMILY_TTL',
  'LOGIN_MAX_FAILURES',
  'LOGIN_MAX_FAILURES_PER_IP',
  'LOGIN_WINDOW_SECONDS',
  'TRUST_PROXY',
  'AUDIT_TRAIL',
  'AUDIT_ANCHOR_INTERVAL_MS',
  'API_WORKERS',
  'BACKUP_DIR',
  'PG_DUMP',
  'PG_RESTORE',
  'PROVISION_ATTEMPTS',
  'PROVISION_BACKOFF_MS',
  'JOBS_LOCK_MS',
  'DB_CONNECTION_SHARE',
  'API_INSTANCES',
  'METRICS_TOKEN',
  'CORS_ORIGINS',
  'REQUEST_TIMEOUT_MS',
  'SHUTDOWN_TIMEOUT_MS',
] as const;

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  databaseUrl?: string;
  redisUrl?: string;
  tenantDbPrefix: string;
  tenantPoolsMax: number;
  tenantPoolSize: number;
  tenantPoolIdleMs: number;
  platformAdmin: { email?: string; password?: string };
  baseDomain: string;
  tenantRateLimitRps: number;
  migrateOnStart: boolean;
  logLevel: string;
  dataDir: string;
  keysDir: string;
  embeddedPgPort: number;
  tenantSecretsKey?: string;
  jwt: {
    privateKeyPem?: string;
    previousPublicKeysPem?: string;
    issuer: string;
    audience: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    refreshFamilyTtlSeconds: number;
  };
  login: { maxFailures: number; maxFailuresPerIp: number; windowSeconds: number };
  trustProxy: boolean;
  auditTrail: boolean;
  auditAnchorIntervalMs: number;
  /** Job processors run in this process (the API by default, always the worker). */
  workers: boolean;
  backupDir: string;
  pgDump: string;
  pgRestore: string;
  provisioning: { attempts: number; backoffMs: number };
  jobsLockMs: number;
  connectionBudget: { share: number; instances: number };
  metricsToken?: string;
  corsOrigins: string[];
  requestTimeoutMs: number;
  shutdownTimeoutMs: number;
  tenants: TenantsConfig;
}

/** Reads and validates the whole configuration; throws a one-line ConfigError on the first problem. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AppConfig {
  const plain = Object.fromEntries(ENV_KEYS.filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]));
  const vars = validateOrThrow(EnvironmentVariables, plain, 'environment');
  if (vars.NODE_ENV === 'production') {
    for (const key of ['TENANT_SECRETS_KEY', 'JWT_PRIVATE_KEY', 'DATABASE_URL', 'METRICS_TOKEN'] as const) {
      if (!vars[key]) throw new ConfigError(`environment: ${key} must be set when NODE_ENV=production`);
    }
    if (vars.AUDIT_TRAIL === 'off') throw new ConfigError('environment: AUDIT_TRAIL cannot be off when NODE_ENV=production');
  }
  return {
    env: vars.NODE_ENV,
    port: vars.PORT,
    databaseUrl: vars.DATABASE_URL,
    redisUrl: vars.REDIS_URL,
    tenantDbPrefix: vars.TENANT_DB_PREFIX,
    tenantPoolsMax: vars.TENANT_POOLS_MAX,
    tenantPoolSize: vars.TENANT_POOL_SIZE,
    tenantPoolIdleMs: vars.TENANT_POOL_IDLE_MS,
    platformAdmin: { email: vars.PLATFORM_ADMIN_EMAIL, password: vars.PLATFORM_ADMIN_PASSWORD },
    baseDomain: vars.APP_BASE_DOMAIN,
    tenantRateLimitRps: vars.TENANT_RATE_LIMIT_RPS,
    migrateOnStart: vars.MIGRATE_ON_START,
    logLevel: vars.LOG_LEVEL,
    dataDir: resolve(cwd, vars.DATA_DIR),
    keysDir: resolve(cwd, vars.KEYS_DIR),
    embeddedPgPort: vars.EMBEDDED_PG_PORT,
    tenantSecretsKey: vars.TENANT_SECRETS_KEY,
    jwt: {
      privateKeyPem: vars.JWT_PRIVATE_KEY,
      previousPublicKeysPem: vars.JWT_PREVIOUS_PUBLIC_KEYS,
      issuer: vars.JWT_ISSUER,
      audience: vars.JWT_AUDIENCE,
      accessTtlSeconds: vars.ACCESS_TOKEN_TTL,
      refreshTtlSeconds: vars.REFRESH_TOKEN_TTL,
      refreshFamilyTtlSeconds: vars.REFRESH_FAMILY_TTL,
    },
    login: { maxFailures: vars.LOGIN_MAX_FAILURES, maxFailuresPerIp: vars.LOGIN_MAX_FAILURES_PER_IP, windowSeconds: vars.LOGIN_WINDOW_SECONDS },
    trustProxy: vars.TRUST_PROXY,
    auditTrail: vars.AUDIT_TRAIL === 'on',
    auditAnchorIntervalMs: vars.AUDIT_ANCHOR_INTERVAL_MS,
    // Without Redis the in-process driver is the only worker there is.
    workers: vars.API_WORKERS || !vars.REDIS_URL,
    backupDir: resolve(cwd, vars.BACKUP_DIR),
    pgDump: vars.PG_DUMP,
    pgRestore: vars.PG_RESTORE,
    provisioning: { attempts: vars.PROVISION_ATTEMPTS, backoffMs: vars.PROVISION_BACKOFF_MS },
    jobsLockMs: vars.JOBS_LOCK_MS,
    connectionBudget: { share: vars.DB_CONNECTION_SHARE, instances: vars.API_INSTANCES },
    metricsToken: vars.METRICS_TOKEN,
    corsOrigins: vars.CORS_ORIGINS ? vars.CORS_ORIGINS.split(',').map((o) => o.trim()) : [],
    requestTimeoutMs: vars.REQUEST_TIMEOUT_MS,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
    tenants: loadTenantsConfig(resolve(cwd, vars.TENANTS_CONFIG), env),
  };
}
