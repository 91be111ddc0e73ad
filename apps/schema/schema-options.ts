import { catalogOrmOptions, parsePostgresUrl } from '@app/catalog';
import { TENANT_DATABASE_SCHEMA } from '../tenant-schema';
import { tenantOrmOptions } from '@app/tenancy';
import { type EntityMetadata, type MetadataStorage, type Options, ReferenceKind } from '@mikro-orm/core';
import type { PostgreSqlDriver } from '@mikro-orm/postgresql';

/** The two kinds of database Tessera migrates: the catalog, and every tenant database (cloned from a template). */
export type SchemaName = 'catalog' | 'tenant';

export const SCHEMA_NAMES: readonly SchemaName[] = ['catalog', 'tenant'];

/**
 * Tables a migration creates and no entity maps: the code reads and writes them with SQL, so no entity has anything
 * to agree with, and the schema diff leaves them alone instead of proposing to drop them. A new table without an
 * entity shows up in the diff as `drop table` until it is listed here.
 */
export const TABLES_WITHOUT_ENTITIES: Readonly<Record<SchemaName, readonly string[]>> = {
  catalog: [
    'platform_refresh_tokens', // auth: RefreshTokens, PlatformAuthService
    'platform_audit_logs', // audit: AuditRecorder (the platform's trail)
    'audit_anchors', // audit: AuditAnchors
  ],
  tenant: [
    'refresh_tokens', // auth: RefreshTokens, AuthService
    'idempotency_commits', // auth + audit: IdempotencyInterceptor, AuditSubscriber
  ],
};

/** A foreign key on a column an entity keeps as a plain id. */
interface PlainIdForeignKey {
  name: string;
  table: string;
  column: string;
  references: string;
  deleteRule: 'set null' | 'cascade' | 'restrict';
}

/**
 * Foreign keys on columns the entities keep as plain ids rather than relations: Deal.leadId is a field the audit
 * trail records and the services compare, and a relation would change how MikroORM orders and audits a flush.
 * MikroORM declares a foreign key only on a relation, so the schema tools read these columns as the relation they
 * are in the database; the foreign key is then compared like any other (name, columns, target, rules).
 */
export const PLAIN_ID_FOREIGN_KEYS: Readonly<Record<SchemaName, readonly PlainIdForeignKey[]>> = {
  catalog: [],
  tenant: [
    { name: 'deals_lead_id_fkey', table: 'deals', column: 'lead_id', references: 'leads', deleteRule: 'set null' },
  ],
};

function metadataOf(storage: MetadataStorage, table: string): EntityMetadata {
  const meta = Object.values(storage.getAll()).find((candidate) => candidate.tableName === table);
  if (!meta) throw new Error(`schema tools: no entity maps the table ${table}`);
  return meta;
}

function declarePlainIdForeignKeys(storage: MetadataStorage, keys: readonly PlainIdForeignKey[]): void {
  for (const key of keys) {
    const prop = metadataOf(storage, key.table).props.find((candidate) => candidate.fieldNames?.[0] === key.column);
    if (!prop) throw new Error(`schema tools: no property maps the column ${key.table}.${key.column}`);
    const target = metadataOf(storage, key.references);
    Object.assign(prop, {
      kind: ReferenceKind.MANY_TO_ONE,
      targetMeta: target,
      referencedTableName: target.tableName,
      referencedColumnNames: target.getPrimaryProps().flatMap((pk) => pk.fieldNames),
      createForeignKeyConstraint: true,
      cascade: [],
      deleteRule: key.deleteRule,
      foreignKeyName: key.name,
    });
  }
}

/**
 * MikroORM 6.6 turns a property's @Unique into a plain unique constraint and drops its `expression` (Deal.leadId's
 * partial unique index): at run time the unit of work should see the property as unique, as it does; for the
 * schema tools the expression is kept, so that a database built from the entities holds the same index.
 */
function keepUniqueExpressions(meta: EntityMetadata): void {
  for (const unique of meta.uniques) {
    if (unique.expression && typeof unique.properties === 'string') unique.properties = [unique.properties];
  }
}

/**
 * Columns the database sets itself (TenantSchema.databaseSetColumns: the audit hash chain, stamped by the insert
 * trigger) are NOT NULL in the database but nullable on the entity, so that MikroORM neither demands a value nor
 * writes one (the runtime role may not insert them). For the comparison they are what the database declares.
 * Only the ORM of the schema tools sees this: the runtime's entities stay as they are.
 */
function databaseSetColumnsAreNotNull(storage: MetadataStorage, columns: Record<string, string[]>): void {
  for (const meta of Object.values(storage.getAll())) {
    const own = columns[meta.tableName] ?? [];
    for (const prop of meta.props) {
      if (prop.fieldNames?.some((field) => own.includes(field))) prop.nullable = false;
    }
  }
}

function runtimeOptions(name: SchemaName, url: string): Options<PostgreSqlDriver> {
  if (name === 'catalog') return catalogOrmOptions(url);
  const target = parsePostgresUrl(url);
  return tenantOrmOptions(TENANT_DATABASE_SCHEMA, {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    dbName: target.database,
    poolSize: 2,
    applicationName: 'tessera-schema',
  });
}

/**
 * MikroORM options of one schema for the schema tools (the CLI configs, migration:create, migration:check and the
 * drift test): the runtime's own options (same entities, same migration list and table), plus what the comparison
 * needs. `url` names the database, with credentials that may run DDL there.
 */
export function schemaOrmOptions(name: SchemaName, url: string): Options<PostgreSqlDriver> {
  const base = runtimeOptions(name, url);
  const databaseSet = name === 'tenant' ? (TENANT_DATABASE_SCHEMA.databaseSetColumns ?? {}) : {};
  return {
    ...base,
    discovery: {
      ...base.discovery,
      onMetadata: keepUniqueExpressions,
      afterDiscovered: (storage) => {
        databaseSetColumnsAreNotNull(storage, databaseSet);
        declarePlainIdForeignKeys(storage, PLAIN_ID_FOREIGN_KEYS[name]);
      },
    },
    schemaGenerator: { ...base.schemaGenerator, skipTables: [...TABLES_WITHOUT_ENTITIES[name]] },
    // The migrated database is the reference, never a snapshot file.
    migrations: { ...base.migrations, snapshot: false },
  };
}

/** A database URL the schema tools need from the environment; a missing one stops them with one line. */
export function urlFromEnvironment(variable: string, what: string): string {
  const url = process.env[variable];
  if (!url) throw new Error(`${variable} is not set: it names ${what} (postgres://user:password@host:port/database)`);
  return url;
}
