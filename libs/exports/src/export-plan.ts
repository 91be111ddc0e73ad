import type { EntityManager } from '@mikro-orm/postgresql';
import type { SkippedTable, TableQuery } from './ndjson-zip';

/** Tables an export leaves out whole, and why (said in the manifest). */
export const SKIPPED_TABLES: Readonly<Record<string, string>> = {
  mikro_orm_migrations: "schema bookkeeping: the manifest's schemaVersion names the newest migration",
  refresh_tokens: 'sign-in secrets (hashes of refresh tokens)',
  idempotency_commits: 'request replay ledger (hashes of Idempotency-Keys)',
};

/** Columns an export always leaves out. */
const OMITTED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  users: ['password_hash', 'token_version'],
  api_keys: ['key_hash'],
  audit_logs: ['changes_salt'],
};

/** Columns whose names look secret but are not: the audit chain's public hashes. */
const NOT_SECRET: Readonly<Record<string, readonly string[]>> = {
  audit_logs: ['hash', 'prev_hash', 'changes_digest'],
};

/** A column a table may gain later that looks like a secret is left out too (fail closed). */
const SECRET_COLUMN = /pass(word)?|secret|token|hash|api[-_]?key|salt|cookie/i;

export function omittedColumns(table: string, columns: readonly string[]): string[] {
  const always = OMITTED_COLUMNS[table] ?? [];
  const fine = NOT_SECRET[table] ?? [];
  return columns.filter((c) => always.includes(c) || (SECRET_COLUMN.test(c) && !fine.includes(c)));
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

export interface ExportPlan {
  schemaVersion: string;
  tables: TableQuery[];
  skippedTables: SkippedTable[];
}

/**
 * Every table of the tenant's database (public schema), each read in primary-key order as
 * `to_jsonb(row) - <omitted columns>`, except the skipped ones. Read from the catalog of the
 * database itself, so a table a later migration adds is exported without a change here.
 */
export async function planExport(em: EntityManager): Promise<ExportPlan> {
  const connection = em.getConnection();
  const trx = em.getTransactionContext();
  const rows = await connection.execute<{ table: string; columns: string[]; key: string[] | null }[]>(
    `select c.relname as "table",
            array(select a.attname::text from pg_attribute a
                   where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum) as columns,
            (select array(select a.attname::text from unnest(i.indkey) with ordinality k(attnum, n)
                            join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum order by k.n)
               from pg_index i where i.indrelid = c.oid and i.indisprimary) as key
       from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
      order by c.relname`,
    [],
    'all',
    trx,
  );
  const [latest] = await connection.execute<{ name: string }[]>(
    'select name from mikro_orm_migrations order by name desc limit 1',
    [],
    'all',
    trx,
  );
  const tables: TableQuery[] = [];
  const skippedTables: SkippedTable[] = [];
  for (const { table, columns, key } of rows) {
    if (SKIPPED_TABLES[table]) {
      skippedTables.push({ name: table, reason: SKIPPED_TABLES[table] });
      continue;
    }
    const omitted = omittedColumns(table, columns);
    const order = key?.length ? key : columns.filter((c) => !omitted.includes(c));
    tables.push({
      name: table,
      sql: `select (to_jsonb(t) - ?::text[])::text as line from ${quoteIdent(table)} t order by ${order
        .map((c) => `t.${quoteIdent(c)}`)
        .join(', ')}`,
      params: [textArray(omitted)],
      omittedColumns: omitted,
    });
  }
  return { schemaVersion: latest?.name ?? 'none', tables, skippedTables };
}
