import { MikroORM } from '@mikro-orm/postgresql';
import { parsePostgresUrl, withClient } from './postgres-url';

const CATALOG_MIGRATION_LOCK = 7_312_001;

/**
 * Applies pending catalog migrations under an advisory lock, so processes starting
 * together (API replicas, a worker, the CLI) never run them twice. Returns the names applied.
 */
export async function migrateCatalog(orm: MikroORM, catalogUrl: string): Promise<string[]> {
  return withClient(parsePostgresUrl(catalogUrl), async (lock) => {
    await lock.query('select pg_advisory_lock($1)', [CATALOG_MIGRATION_LOCK]);
    try {
      const applied = await orm.getMigrator().up();
      return applied.map((migration) => migration.name);
    } finally {
      await lock.query('select pg_advisory_unlock($1)', [CATALOG_MIGRATION_LOCK]);
    }
  });
}
