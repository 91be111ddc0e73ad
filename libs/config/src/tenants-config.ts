import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
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

export class DbServerConfig {
  @Matches(/^[a-z][a-z0-9-]{0,30}$/, { message: 'name must be lower-case letters, digits and dashes' })
  name: string;

  /** Place tenants on the same server as the catalog (embedded or DATABASE_URL), with its credentials. */
  @IsOptional()
  @IsBoolean()
  useCatalogServer?: boolean;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9.-]{1,253}$/, { message: 'host must be a host name or an IP address' })
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
    if (server.useCatalogServer) {
      if (server.host || server.port || server.adminUserEnv || server.adminPasswordEnv) {
        throw new ConfigError(`${where}: useCatalogServer takes no host, port or credentials`);
      }
      return { name: server.name, useCatalogServer: true, capacity: server.capacity, tags: server.tags };
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
