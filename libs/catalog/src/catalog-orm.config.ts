import { FleetMigrationRun } from './fleet-migration-run.entity';
import { Options, ReflectMetadataProvider } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { DbServer } from './db-server.entity';
import { CATALOG_MIGRATIONS } from './migrations';
import { Plan, PlanVersion } from './plan.entity';
import { PlatformUser } from './platform-user.entity';
import { Relocation } from './relocation.entity';
import { SpareDatabase } from './spare-database.entity';
import { Tenant } from './tenant.entity';

export const CATALOG_ENTITIES = [
  Tenant,
  DbServer,
  PlatformUser,
  SpareDatabase,
  Relocation,
  Plan,
  PlanVersion,
  FleetMigrationRun,
];

/** MikroORM options of the catalog database, shared by the API, the worker and the CLI. */
export function catalogOrmOptions(clientUrl: string): Options<PostgreSqlDriver> {
  return {
    driver: PostgreSqlDriver,
    clientUrl,
    entities: CATALOG_ENTITIES,
    metadataProvider: ReflectMetadataProvider,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    extensions: [Migrator],
    migrations: {
      migrationsList: CATALOG_MIGRATIONS,
      silent: true,
      transactional: true,
      allOrNothing: true,
      tableName: 'mikro_orm_migrations',
    },
    pool: { min: 0, max: 5, idleTimeoutMillis: 30_000 },
    driverOptions: { connection: { application_name: 'tessera-catalog', connectionTimeoutMillis: 5000 } },
    allowGlobalContext: false,
    // The database exists (provisioning or openCatalogDatabase made it): no check query per instance.
    ensureDatabase: false,
    debug: false,
  };
}
