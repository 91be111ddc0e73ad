import { schemaOrmOptions, urlFromEnvironment } from './schema-options';

/**
 * MikroORM CLI configuration of one tenant database (or a server's template), named with admin credentials by
 * TENANT_DATABASE_URL, e.g.
 *   TENANT_DATABASE_URL=postgres://…/tenant_acme npx mikro-orm migration:pending --config apps/schema/mikro-orm.tenant.config.ts
 * The same entities and migration list as the fleet (tenantOrmOptions of the tenant schema). To migrate tenants,
 * use `npm run tenants -- migrate`: it also records each tenant's schema version in the catalog. The MikroORM CLI
 * takes a configuration only as a module's default export.
 */
export default schemaOrmOptions(
  'tenant',
  urlFromEnvironment('TENANT_DATABASE_URL', 'a tenant database, with admin credentials'),
);
