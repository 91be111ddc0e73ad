export { CATALOG_URL, CatalogModule } from './catalog.module';
export { catalogOrmOptions } from './catalog-orm.config';
export { migrateCatalog } from './catalog.migrator';
export { DbServer } from './db-server.entity';
export { DbServerSync } from './db-server.sync';
export { startEmbeddedPostgres } from './embedded-postgres';
export { PlatformUser } from './platform-user.entity';
export {
  clientConfig,
  ensureDatabase,
  parsePostgresUrl,
  quoteIdent,
  quoteLiteral,
  sturdyPool,
  toPostgresUrl,
  withClient,
} from './postgres-url';
export type { PgTarget } from './postgres-url';
export { ACTIVE_RELOCATION_STATUSES, Relocation, RELOCATION_METHODS, RELOCATION_STATUSES } from './relocation.entity';
export type {
  RelocationMethod,
  RelocationPhase,
  RelocationStatus,
  RelocationVerification,
  TableVerification,
} from './relocation.entity';
export { SecretBox } from './secret-box';
export { SpareDatabase } from './spare-database.entity';
export { Tenant, TENANT_STATUSES } from './tenant.entity';
export type { ProvisioningStep, TenantStatus } from './tenant.entity';
export { openCatalogDatabase } from './catalog-database';
export { COUNTED_RESOURCES, Plan, PLAN_CODE_PATTERN, PLAN_FEATURES, PLAN_LIMIT_KEYS, PlanVersion } from './plan.entity';
export type { CountedResource, PlanFeature, PlanLimitKey, PlanLimits } from './plan.entity';
export { appendPlatformAudit } from './platform-audit';
export type { PlatformAuditEntry } from './platform-audit';
export { FLEET_MIGRATION_STATUSES, FleetMigrationRun } from './fleet-migration-run.entity';
export type { FleetMigrationFailure, FleetMigrationStatus } from './fleet-migration-run.entity';
