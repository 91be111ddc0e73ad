import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from './config.error';
import { validateOrThrow } from './validate';

const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,63}$/;
const HOST = /^[A-Za-z0-9.-]{1,253}$/;

/**
 * A PgBouncer (pool_mode = transaction) in front of a server: tenant request traffic connects
 * here. `maxDbConnections` and `serverIdleTimeout` repeat PgBouncer's own settings of the same
 * names (they must match): the tenant budget counts the server connections they allow.
 */
export class PoolerConfig {
  @IsString()
  @Matches(HOST, { message: 'host must be a host name or an IP address' })
  host: string;

  @IsInt()
  @Min(1)
  @Max(65535)
  port: number;

  /** PgBouncer's max_db_connections: server connections per tenant database, of every role (auth_query's too). */
  @IsInt()
  @Min(1)
  @Max(100)
  maxDbConnections: number = 2;

  /**
   * PgBouncer's server_idle_timeout in seconds (fractions allowed): how long an unused server
   * connection stays open. 0 (never closed) is refused: the budget could not hold.
   */
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 })
  @Min(0.1)
  @Max(3600)
  serverIdleTimeout: number = 10;
}

export interface ResolvedPooler {
  host: string;
  port: number;
  maxDbConnections: number;
  serverIdleTimeout: number;
}

export class DbServerConfig {
  @Matches(/^[a-z][a-z0-9-]{0,30}$/, { message: 'name must be lower-case letters, digits and dashes' })
  name: string;

  /** Place tenants on the same server as the catalog (embedded or DATABASE_URL), with its credentials. */
  @IsOptional()
  @IsBoolean()
  useCatalogServer?: boolean;

  @IsOptional()
  @IsString()
  @Matches(HOST, { message: 'host must be a host name or an IP address' })
  host?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number;

  /** Name of the environment variable holding the admin user (never the value itself). */
  @IsOptional()
  @Matches(ENV_NAME, { message: 'adminUserEnv must name an environment variable' })
  adminUserEnv?: string;

  /** Name of the environment variable holding the admin password (never the value itself). */
  @IsOptional()
  @Matches(ENV_NAME, { message: 'adminPasswordEnv must name an environment variable' })
  adminPasswordEnv?: string;

  /**
   * Optional PgBouncer in front of this server: tenant request traffic goes through it, admin
   * work (provisioning, migrations, backups) always connects to host/port directly.
   */
  @IsOptional()
  @ValidateNested()
  @IsObject({ message: 'pooler must be an object {host, port}' })
  @Type(() => PoolerConfig)
  pooler?: PoolerConfig;

  @IsInt()
  @Min(1)
  @Max(100000)
  capacity: number;

  @IsArray()
  @ArrayUnique()
  @Matches(/^[a-z][a-z0-9-]{0,30}$/, { each: true, message: 'tags must be lower-case words' })
  tags: string[] = [];
}

export class PlacementConfig {
  @IsIn(['least-loaded'])
  policy = 'least-loaded' as const;

  /** New tenants without an explicit server go to servers carrying one of these tags. */
  @IsArray()
  @Matches(/^[a-z][a-z0-9-]{0,30}$/, { each: true, message: 'generalTags must be lower-case words' })
  generalTags: string[] = ['general'];
}

export class TenantsFileConfig {
  @IsOptional()
  @IsString()
  $schema?: string;

  @ValidateNested()
  @Type(() => PlacementConfig)
  placement: PlacementConfig = new PlacementConfig();

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => DbServerConfig)
  servers: DbServerConfig[];
}

/** A database server with its credentials resolved from the environment. */
export interface ResolvedDbServer {
  name: string;
  useCatalogServer: boolean;
  host?: string;
  port?: number;
  adminUser?: string;
  adminPassword?: string;
  /** PgBouncer for tenant request traffic; absent: tenant traffic connects directly. */
  pooler?: ResolvedPooler;
  capacity: number;
  tags: string[];
}

export interface TenantsConfig {
  placement: PlacementConfig;
  servers: ResolvedDbServer[];
}

export function parseTenantsConfig(text: string, source: string, env: NodeJS.ProcessEnv): TenantsConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source}: not valid JSON (${(error as Error).message.replace(/\s+/g, ' ')})`);
  }
  const file = validateOrThrow(TenantsFileConfig, raw, source);
  const names = new Set<string>();
  const servers = file.servers.map((server, index) => {
    const where = `${source}: servers[${index}]`;
    if (names.has(server.name)) throw new ConfigError(`${where}: duplicate server name "${server.name}"`);
    names.add(server.name);
    const pooler = server.pooler ? { pooler: { ...server.pooler } } : {};
    if (server.useCatalogServer) {
      if (server.host || server.port || server.adminUserEnv || server.adminPasswordEnv) {
        throw new ConfigError(`${where}: useCatalogServer takes no host, port or credentials`);
      }
      return { name: server.name, useCatalogServer: true, ...pooler, capacity: server.capacity, tags: server.tags };
    }
    if (!server.host || !server.port || !server.adminUserEnv) {
      throw new ConfigError(`${where}: needs host, port and adminUserEnv (or useCatalogServer: true)`);
    }
    const adminUser = env[server.adminUserEnv];
    if (!adminUser) throw new ConfigError(`${where}: environment variable ${server.adminUserEnv} is not set`);
    const adminPassword = server.adminPasswordEnv ? env[server.adminPasswordEnv] : undefined;
    if (server.adminPasswordEnv && adminPassword === undefined) {
      throw new ConfigError(`${where}: environment variable ${server.adminPasswordEnv} is not set`);
    }
    return {
      name: server.name,
      useCatalogServer: false,
      host: server.host,
      port: server.port,
      adminUser,
      adminPassword,
      ...pooler,
      capacity: server.capacity,
      tags: server.tags,
    };
  });
  return { placement: file.placement, servers };
}

export function loadTenantsConfig(path: string, env: NodeJS.ProcessEnv): TenantsConfig {
  if (!existsSync(path)) throw new ConfigError(`TENANTS_CONFIG: file ${path} does not exist`);
  return parseTenantsConfig(readFileSync(path, 'utf8'), path, env);
}
