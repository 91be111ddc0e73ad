import { EventSubscriber, MetadataStorage, Options, ReflectMetadataProvider } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { TenantSchema } from './tenant-schema';

export interface TenantOrmTarget {
  host: string;
  port: number;
  user: string;
  password?: string;
  dbName: string;
  poolSize: number;
  applicationName: string;
  /**
   * Sent as a startup parameter: only for direct admin connections (migrations). Tenant pools
   * never send one, since PgBouncer refuses unknown startup parameters: their timeouts are
   * settings of the tenant role (fleet's DatabaseAdmin, `ALTER ROLE … SET`).
   */
  statementTimeoutMs?: number;
}

export function tenantOrmOptions(
  schema: TenantSchema,
  target: TenantOrmTarget,
  runtimeSubscribers: EventSubscriber[] = [],
): Options<PostgreSqlDriver> {
  return {
    driver: PostgreSqlDriver,
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    dbName: target.dbName,
    entities: schema.entities,
    subscribers: [...runtimeSubscribers, ...schema.subscribers],
    metadataProvider: ReflectMetadataProvider,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    extensions: [Migrator],
    migrations: {
      migrationsList: schema.migrations,
      silent: true,
      transactional: true,
      allOrNothing: true,
      tableName: 'mikro_orm_migrations',
    },
    pool: { min: 0, max: target.poolSize, idleTimeoutMillis: 30_000, acquireTimeoutMillis: 10_000 },
    driverOptions: {
      connection: {
        application_name: target.applicationName,
        connectionTimeoutMillis: 3000,
        ...(target.statementTimeoutMs !== undefined && { statement_timeout: target.statementTimeoutMs }),
      },
    },
    allowGlobalContext: false,
    // The database exists (provisioning or openCatalogDatabase made it): no check query per instance.
    ensureDatabase: false,
    debug: false,
  };
}

interface MikroOrmInternals {
  metadata: MetadataStorage;
  createEntityManager(): void;
}

/**
 * Creates MikroORM instances for tenant databases, discovering entity metadata once.
 *
 * MikroORM 6.6 has no public way to reuse discovered metadata, so later instances get the
 * first one's MetadataStorage through two private members. Every tenant instance has the
 * same entities and platform, so the shared metadata is identical to what discovery would
 * build. tenant-orm.factory.spec.ts fails loudly if an upgrade moves these members.
 */
export class TenantOrmFactory {
  private metadata?: MetadataStorage;

  /** `runtimeSubscribers`: the runtime's own (the plan's limits), before the schema's (the audit trail). */
  constructor(
    private readonly schema: TenantSchema,
    private readonly runtimeSubscribers: EventSubscriber[] = [],
  ) {}

  async create(target: TenantOrmTarget, connect = true): Promise<MikroORM> {
    const options = { ...tenantOrmOptions(this.schema, target, this.runtimeSubscribers), connect };
    if (!this.metadata) {
      const orm = await MikroORM.init(options);
      this.metadata = orm.getMetadata();
      return orm;
    }
    const orm = new MikroORM(options);
    const internals = orm as unknown as MikroOrmInternals;
    if (!('metadata' in internals) || typeof internals.createEntityManager !== 'function') {
      throw new Error('MikroORM internals changed: update TenantOrmFactory (shared tenant metadata)');
    }
    internals.metadata = this.metadata;
    internals.createEntityManager();
    orm.config.getPlatform().init(orm);
    for (const extension of orm.config.get('extensions')) extension.register(orm);
    if (connect) await orm.connect();
    return orm;
  }
}
