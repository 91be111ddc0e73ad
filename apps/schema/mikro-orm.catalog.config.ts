import { schemaOrmOptions, urlFromEnvironment } from './schema-options';

/**
 * MikroORM CLI configuration of the catalog database named by DATABASE_URL, e.g.
 *   DATABASE_URL=postgres://… npx mikro-orm migration:pending --config apps/schema/mikro-orm.catalog.config.ts
 * The same entities and migration list as the API (catalogOrmOptions). The MikroORM CLI takes a configuration
 * only as a module's default export.
 */
export default schemaOrmOptions('catalog', urlFromEnvironment('DATABASE_URL', 'the catalog database'));
