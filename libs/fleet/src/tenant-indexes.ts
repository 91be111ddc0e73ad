import { quoteIdent } from '@app/catalog';
import { Injectable } from '@nestjs/common';
import { DatabaseAdmin } from './database-admin';

/** Where a tenant's database lives (a ResolvedTenant has both). */
export interface TenantDatabase {
  dbServer: string;
  dbName: string;
}

/**
 * An expression index over one key of a table's `custom_fields` jsonb column. Its name starts with
 * `cf_`, so migrations and the schema drift check leave it alone; it exists only in the tenants
 * that asked for it.
 */
export interface CustomFieldIndex {
  table: 'leads' | 'deals';
  /** `cf_<entity>_<key>`. */
  name: string;
  /** The jsonb key: `^[a-z][a-z0-9_]{0,39}$`. */
  key: string;
  /** btree (equality, ranges, sort) or gin (`@>` contains, for lists of values). */
  method: 'btree' | 'gin';
  unique: boolean;
}

const NAME = /^cf_[a-z][a-z0-9_]{0,60}$/;
const KEY = /^[a-z][a-z0-9_]{0,39}$/;
const TABLES = new Set(['leads', 'deals']);

/** The CREATE INDEX statement of a custom field index; anything but a known table and a plain key is refused. */
export function customIndexStatement(index: CustomFieldIndex): string {
  if (!TABLES.has(index.table) || !NAME.test(index.name) || !KEY.test(index.key))
    throw new Error('refusing an unexpected custom field index');
  const value = `("custom_fields" -> '${index.key}')`;
  const columns = index.method === 'gin' || index.unique ? value : `${value}, "id"`;
  const using = index.method === 'gin' ? 'gin' : 'btree';
  return `create ${index.unique ? 'unique ' : ''}index concurrently ${quoteIdent(index.name)} on ${quoteIdent(index.table)} using ${using} (${columns})`;
}

/**
 * DDL a tenant asks for on its own database (custom field indexes): it needs the tables' owner, so
 * it runs over the server's admin connection, which never leaves this lib. Statements are built
 * here from checked parts only. CONCURRENTLY: the tenant's writes go on while an index builds.
 */
@Injectable()
export class TenantIndexes {
  constructor(private readonly admin: DatabaseAdmin) {}

  /**
   * Builds the index afresh (an older one of the name, valid or not, is dropped first). A failed
   * build (duplicates under a unique index) leaves no invalid index behind and rethrows.
   */
  async build(tenant: TenantDatabase, index: CustomFieldIndex): Promise<void> {
    const statement = customIndexStatement(index);
    await this.admin.withDatabase(tenant.dbServer, tenant.dbName, async (client) => {
      await client.query(`drop index concurrently if exists ${quoteIdent(index.name)}`);
      try {
        await client.query(statement);
      } catch (error) {
        await client.query(`drop index concurrently if exists ${quoteIdent(index.name)}`).catch(() => undefined);
        throw error;
      }
    });
  }

  async drop(tenant: TenantDatabase, name: string): Promise<void> {
    if (!NAME.test(name)) throw new Error('refusing an unexpected custom field index');
    await this.admin.withDatabase(tenant.dbServer, tenant.dbName, async (client) => {
      await client.query(`drop index concurrently if exists ${quoteIdent(name)}`);
    });
  }
}
