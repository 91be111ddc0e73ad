import { parsePostgresUrl, quoteIdent, toPostgresUrl, withClient } from '@app/catalog';
import { MikroORM } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { SchemaName, schemaOrmOptions, TABLES_WITHOUT_ENTITIES } from './schema-options';

/** How entities and migrations disagree on one schema; both empty when they agree. */
export interface SchemaDrift {
  /** What MikroORM would run to bring the migrated database to the entities (`getUpdateSchemaSQL()`). */
  sql: string;
  /**
   * Columns, indexes and constraints as PostgreSQL prints them, present in only one of the migrated database
   * (`- `) and a database created from the entities alone (`+ `). This catches what MikroORM's comparison cannot
   * see: it compares an index declared by an `expression` by its name only.
   */
  definitions: string[];
}

/** A database of its own on the server of `serverUrl`, dropped afterwards whatever happens. */
export async function withScratchDatabase<T>(
  serverUrl: string,
  purpose: string,
  fn: (url: string) => Promise<T>,
): Promise<T> {
  const server = { ...parsePostgresUrl(serverUrl), database: 'postgres' };
  const name = `tessera_schema_${purpose}_${randomBytes(4).toString('hex')}`;
  await withClient(server, (client) => client.query(`create database ${quoteIdent(name)}`));
  try {
    return await fn(toPostgresUrl({ ...server, database: name }));
  } finally {
    await withClient(server, (client) => client.query(`drop database if exists ${quoteIdent(name)} with (force)`));
  }
}

/** Runs `fn` on a MikroORM instance of the schema tools (schemaOrmOptions) on the database `url`. */
export async function withSchemaOrm<T>(name: SchemaName, url: string, fn: (orm: MikroORM) => Promise<T>): Promise<T> {
  const orm = await MikroORM.init(schemaOrmOptions(name, url));
  try {
    return await fn(orm);
  } finally {
    await orm.close(true);
  }
}

/** Applies every migration of the schema's list, in order: what start-up does to the catalog, the fleet to a template. */
export async function migrateSchema(name: SchemaName, url: string): Promise<string[]> {
  return withSchemaOrm(name, url, async (orm) => (await orm.getMigrator().up()).map((migration) => migration.name));
}

// One line per column, index and constraint of the public schema, as PostgreSQL prints them back.
const DEFINITIONS_SQL = `
  select format('column %s.%s %s%s%s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
           case when a.attnotnull then ' not null' else '' end, ' default ' || pg_get_expr(d.adbin, d.adrelid)) as line
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid and c.relkind = 'r' and c.relnamespace = 'public'::regnamespace
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
   where a.attnum > 0 and not a.attisdropped and c.relname <> all($1)
  union all
  select format('index %s', pg_get_indexdef(i.indexrelid))
    from pg_index i join pg_class c on c.oid = i.indrelid and c.relnamespace = 'public'::regnamespace
    join pg_class ic on ic.oid = i.indexrelid
   where c.relname <> all($1) and ic.relname not like 'cf\\_%'
  union all
  select format('constraint %s on %s: %s', k.conname, c.relname, pg_get_constraintdef(k.oid))
    from pg_constraint k join pg_class c on c.oid = k.conrelid and c.relnamespace = 'public'::regnamespace
   where c.relname <> all($1)
  order by 1`;

async function definitions(client: Client, skip: string[]): Promise<string[]> {
  return (await client.query<{ line: string }>(DEFINITIONS_SQL, [skip])).rows.map((row) => row.line);
}

/** Builds the schema from the entities alone in a scratch database (with the migrated one's extensions) and lists its definitions. */
async function entityDefinitions(
  name: SchemaName,
  migratedUrl: string,
  extensions: string[],
  skip: string[],
): Promise<string[]> {
  return withScratchDatabase(migratedUrl, `${name}_entities`, async (url) => {
    await withClient(parsePostgresUrl(url), async (client) => {
      for (const extension of extensions) await client.query(`create extension if not exists ${quoteIdent(extension)}`);
    });
    await withSchemaOrm(name, url, (orm) => orm.getSchemaGenerator().createSchema());
    return withClient(parsePostgresUrl(url), (client) => definitions(client, skip));
  });
}

/** Compares a migrated database (`migratedUrl`, credentials that may create databases on its server) with the entities. */
export async function schemaDrift(name: SchemaName, migratedUrl: string): Promise<SchemaDrift> {
  const sql = (
    await withSchemaOrm(name, migratedUrl, (orm) => orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false }))
  ).trim();
  const skip = [...TABLES_WITHOUT_ENTITIES[name], 'mikro_orm_migrations'];
  const [migrated, extensions] = await withClient(parsePostgresUrl(migratedUrl), async (client) => [
    await definitions(client, skip),
    (
      await client.query<{ extname: string }>("select extname from pg_extension where extname <> 'plpgsql' order by 1")
    ).rows.map((r) => r.extname),
  ]);
  const declared = await entityDefinitions(name, migratedUrl, extensions, skip);
  const onlyMigrated = migrated.filter((line) => !declared.includes(line)).map((line) => `- ${line}`);
  const onlyDeclared = declared.filter((line) => !migrated.includes(line)).map((line) => `+ ${line}`);
  return { sql, definitions: [...onlyMigrated, ...onlyDeclared] };
}

/** The drift of a schema's migrations from its entities, measured on a scratch database migrated from empty. */
export async function migrationsDrift(name: SchemaName, serverUrl: string): Promise<SchemaDrift> {
  return withScratchDatabase(serverUrl, name, async (url) => {
    await migrateSchema(name, url);
    return schemaDrift(name, url);
  });
}

/** What a new migration must run so that the schema's migrations reach its entities (up, and back down). */
export interface PendingMigration {
  up: string;
  down: string;
  /** Definitions that differ even after `up`: MikroORM cannot express them (see SchemaDrift.definitions). */
  definitions: string[];
}

/** The pending migration of a schema, measured on a scratch database migrated from empty, then tried there. */
export async function pendingMigration(name: SchemaName, serverUrl: string): Promise<PendingMigration> {
  return withScratchDatabase(serverUrl, name, async (url) => {
    await migrateSchema(name, url);
    const { up, down } = await withSchemaOrm(name, url, (orm) =>
      orm.getSchemaGenerator().getUpdateSchemaMigrationSQL({ wrap: false }),
    );
    if (up.trim()) await withClient(parsePostgresUrl(url), (client) => client.query(up));
    return { up, down, definitions: (await schemaDrift(name, url)).definitions };
  });
}
