import { quoteIdent } from '@app/catalog';
import type { TableVerification } from '@app/catalog';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/**
 * Why a target server cannot take a database from the source (server_version_num of each), or
 * null: a lower major version could not read what the source writes (nor replicate from it).
 */
export function versionRefusal(sourceVersionNum: number, targetVersionNum: number): string | null {
  const [from, to] = [Math.floor(sourceVersionNum / 10_000), Math.floor(targetVersionNum / 10_000)];
  return to < from ? `the target runs PostgreSQL ${to}, older than the source's ${from}` : null;
}

/** The tenant database's tables (schema `public`), by name. */
export async function tablesOf(db: PoolClient): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`,
  );
  return rows.map((r) => r.name);
}

/**
 * Refuses a source whose tables differ from the target's (a clone of the migrated template): a
 * table made by hand on the source would otherwise be left behind, or fail the copy obscurely.
 */
export async function assertSameTables(source: PoolClient, target: PoolClient): Promise<string[]> {
  const [a, b] = await Promise.all([tablesOf(source), tablesOf(target)]);
  const extra = a.filter((name) => !b.includes(name));
  const missing = b.filter((name) => !a.includes(name));
  if (extra.length || missing.length)
    throw new Error(
      `the tenant's tables differ from the schema of this code: ${[
        ...extra.map((n) => `${n} only on the source`),
        ...missing.map((n) => `${n} missing on the source`),
      ].join(', ')}`,
    );
  return a;
}

/** Tables whose updates logical replication cannot publish: no primary key, no replica identity index, not FULL. */
export async function tablesWithoutIdentity(db: PoolClient): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p')
        and (c.relreplident = 'n'
             or (c.relreplident = 'd' and not exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisprimary))
             or (c.relreplident = 'i' and not exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisreplident)))
      order by 1`,
  );
  return rows.map((r) => r.name);
}

/**
 * Empties every table of the target and streams each one from the source with COPY (binary), in one
 * transaction of the target whose triggers and foreign keys are off (session_replication_role =
 * replica: the rows, the audit chain's hashes included, arrive as they were). Never a whole table
 * in memory: each COPY is a stream from one server to the other.
 */
export async function copyTables(source: PoolClient, target: PoolClient, tables: string[]): Promise<number> {
  let rows = 0;
  // No ROLLBACK on failure: a session may be mid-COPY, so the caller closes both (DatabaseAdmin.withDatabase),
  // which rolls the target's transaction back.
  await target.query('BEGIN');
  await target.query('SET LOCAL session_replication_role = replica');
  if (tables.length) await target.query(`TRUNCATE ${tables.map(quoteIdent).join(', ')}`);
  for (const table of tables) {
    const out = source.query(copyTo(`COPY ${quoteIdent(table)} TO STDOUT (FORMAT binary)`));
    const into = target.query(copyFrom(`COPY ${quoteIdent(table)} FROM STDIN (FORMAT binary)`));
    await pipeline(out, into);
    rows += Number(into.rowCount ?? 0);
  }
  await target.query('COMMIT');
  return rows;
}

/** Sets every sequence of the target to the source's position (COPY and logical replication leave them). */
export async function copySequences(source: PoolClient, target: PoolClient): Promise<void> {
  const { rows } = await source.query<{ name: string; last_value: string | null; is_called: boolean }>(
    `select c.relname as name, s.last_value::text as last_value, s.last_value is not null as is_called
       from pg_sequences s join pg_class c on c.relname = s.sequencename
       join pg_namespace n on n.oid = c.relnamespace and n.nspname = s.schemaname
      where s.schemaname = 'public'`,
  );
  for (const row of rows) {
    if (row.last_value === null) continue; // never used: the target's fresh sequence is right
    await target.query(`select setval($1::regclass, $2::bigint, true)`, [quoteIdent(row.name), row.last_value]);
  }
}

/** Row count and a checksum of the rows in primary-key order (every column's text), per table. */
export async function fingerprint(db: PoolClient, table: string): Promise<{ rows: number; checksum: string }> {
  const { rows: keys } = await db.query<{ column: string }>(
    `select a.attname as column from pg_index i
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = $1::regclass and i.indisprimary
      order by array_position(i.indkey, a.attnum)`,
    [quoteIdent(table)],
  );
  const order = keys.length ? keys.map((k) => `t.${quoteIdent(k.column)}`).join(', ') : 't::text';
  const { rows } = await db.query<{ n: string; checksum: string | null }>(
    `select count(*)::text as n, md5(string_agg(md5(t::text), '' order by ${order})) as checksum from ${quoteIdent(table)} t`,
  );
  return { rows: Number(rows[0].n), checksum: rows[0].checksum ?? '' };
}

/** Compares every table of source and target. */
export async function compareTables(
  source: PoolClient,
  target: PoolClient,
  tables: string[],
): Promise<TableVerification[]> {
  const out: TableVerification[] = [];
  for (const table of tables) {
    // Both servers at once: the cut-over's freeze lasts as long as the slower of the two.
    const [a, b] = await Promise.all([fingerprint(source, table), fingerprint(target, table)]);
    out.push({
      table,
      sourceRows: a.rows,
      targetRows: b.rows,
      checksumMatch: a.rows === b.rows && a.checksum === b.checksum,
    });
  }
  return out;
}

/** The audit chain's head: the hash of the newest entry (null for an empty trail). */
export async function auditHead(db: PoolClient): Promise<string | null> {
  const { rows } = await db.query<{ hash: string | null }>(
    'select hash from audit_logs where seq is not null order by seq desc limit 1',
  );
  return rows[0]?.hash ?? null;
}
