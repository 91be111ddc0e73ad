import { parsePostgresUrl, quoteIdent, withClient } from '@app/catalog';

/** Runs SQL on the test server as admin (database `postgres` unless named). */
export function adminSql<T = Record<string, unknown>>(
  adminUrl: string,
  text: string,
  params: unknown[] = [],
  database = 'postgres',
): Promise<T[]> {
  return withClient(
    { ...parsePostgresUrl(adminUrl), database },
    async (c) => (await c.query(text, params)).rows as T[],
  );
}

/** Drops one test deployment: its catalog database, and every database and role named with its tenant prefix. */
export async function dropTestDeployment(adminUrl: string, catalogDb: string, prefix: string): Promise<void> {
  const dbs = await adminSql<{ datname: string }>(
    adminUrl,
    'select datname from pg_database where starts_with(datname, $1) or datname = $2',
    [prefix, catalogDb],
  );
  // At once: each DROP DATABASE waits for a checkpoint, and drops side by side share one.
  await Promise.all(
    dbs.map(({ datname }) => adminSql(adminUrl, `drop database if exists ${quoteIdent(datname)} with (force)`)),
  );
  const roles = await adminSql<{ rolname: string }>(
    adminUrl,
    'select rolname from pg_roles where starts_with(rolname, $1)',
    [prefix],
  );
  for (const { rolname } of roles) await adminSql(adminUrl, `drop role if exists ${quoteIdent(rolname)}`);
}
