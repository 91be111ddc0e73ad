import { parsePostgresUrl, PgTarget, quoteIdent, withClient } from '@app/catalog';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The second test server (TESSERA_TEST_PG2, wal_level logical), as an admin target. */
export const secondServer = (): PgTarget => parsePostgresUrl(process.env.TESSERA_TEST_PG2!);

/** SQL on a server as its admin (database `postgres` unless named). */
export const sqlOn = <T>(server: PgTarget, sql: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> =>
  withClient({ ...server, database }, async (c) => (await c.query(sql, params)).rows as T[]);

/**
 * Writes `dir/tenants.config.json` with `main` (the catalog's server, `general`), `dedicated-1`
 * (the second test server) and `extra` servers on it (`{name, capacity}`); returns the
 * environment a TestApp needs for them.
 */
export function twoServerEnv(dir: string, extra: { name: string; capacity: number }[] = []): Record<string, string> {
  const second = secondServer();
  const onSecond = (name: string, capacity: number) => ({
    name,
    host: second.host,
    port: second.port,
    adminUserEnv: 'TEST_PG2_USER',
    adminPasswordEnv: 'TEST_PG2_PASSWORD',
    capacity,
    tags: ['dedicated'],
  });
  const file = join(dir, 'tenants.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      placement: { policy: 'least-loaded', generalTags: ['general'] },
      servers: [
        { name: 'main', useCatalogServer: true, capacity: 100, tags: ['general'] },
        onSecond('dedicated-1', 10),
        ...extra.map((s) => onSecond(s.name, s.capacity)),
      ],
    }),
  );
  return { TENANTS_CONFIG: file, TEST_PG2_USER: second.user, TEST_PG2_PASSWORD: second.password ?? '' };
}

/**
 * Drops what a suite made on the second server: databases and roles under its prefix, and with
 * `relocationLogins` the replication logins relocations leave when a test cut them short (only for
 * the suite that relocates from it: another suite's live relocation would lose its login).
 */
export async function dropFromSecondServer(
  prefix: string,
  options: { relocationLogins?: boolean } = {},
): Promise<void> {
  const second = secondServer();
  const databases = await sqlOn<{ datname: string }>(
    second,
    'select datname from pg_database where starts_with(datname, $1)',
    [prefix],
  );
  for (const { datname } of databases)
    await sqlOn(second, `drop database if exists ${quoteIdent(datname)} with (force)`);
  const roles = await sqlOn<{ rolname: string }>(
    second,
    "select rolname from pg_roles where starts_with(rolname, $1) or ($2 and starts_with(rolname, 'tessera_reloc_'))",
    [prefix, options.relocationLogins === true],
  );
  for (const { rolname } of roles) await sqlOn(second, `drop role if exists ${quoteIdent(rolname)}`);
}
