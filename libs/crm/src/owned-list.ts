import { pageWindow, type SortSpec } from '@app/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { valueExpression } from './custom-fields/custom-field-filters';
import { readRows } from './read-rows';

/** What every list of owned records (leads, deals) is asked for. */
export interface OwnedListQuery {
  /** Only this owner's records (staff see their own). */
  ownerScope?: string;
  /** The `ownerId` filter of the request. */
  ownerId?: string;
  /** Only records changed at or after this instant (incremental sync). */
  updatedSince?: Date;
  sort: SortSpec;
  page: number;
  limit: number;
}

/**
 * One filter of a list. `sql` is the same for every request that uses the filter and holds `?`
 * where its value goes (once or more: the value is one parameter); the value never enters the SQL.
 */
export interface ListCondition {
  sql: string;
  value: unknown;
}

export interface OwnedListSpec<View> {
  /** The table, quoted. */
  table: string;
  /** The select list, giving the view's fields under their names (times as ISO-8601 text). */
  columns: string;
  /** Each sortable field's column, quoted (the sort names it with its table: never a select-list alias); the id breaks ties in the same direction. */
  sortColumns: Readonly<Record<string, string>>;
  /** The view of one row of `columns` (the row also holds the page's `total`). */
  view(row: Record<string, unknown>): View;
}

/** An ISO-8601 UTC text of a timestamptz column, as `Date.prototype.toISOString` writes it (milliseconds, truncated). */
export function isoTime(column: string): string {
  return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

interface Statement {
  /** The page, its total in each row (an uncorrelated subquery: PostgreSQL counts once, and only when the page has a row). */
  page: string;
  /** The total alone: for a page past the end, which has no row to carry it. */
  count: string;
}

/**
 * One page of owned records (leads, deals) and the total, read as plain rows into views in one
 * statement: a list page is read-only, so neither the query builder nor entity hydration earns
 * its cost. The SQL of each list shape (which filters, which sort) is built once and kept;
 * values always travel as parameters. The id tie-breaker follows the sort so one index serves
 * both directions.
 */
export class OwnedList<View> {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly spec: OwnedListSpec<View>) {}

  async page(em: EntityManager, filters: ListCondition[], query: OwnedListQuery): Promise<[View[], number]> {
    if (query.ownerScope && query.ownerId && query.ownerId !== query.ownerScope) return [[], 0];
    const owner = query.ownerScope ?? query.ownerId;
    const conditions = [...filters];
    if (owner) conditions.push({ sql: '"owner_id" = ?', value: owner });
    // The driver writes a Date as PostgreSQL reads it, years before 1 AD included (as BC).
    if (query.updatedSince) conditions.push({ sql: '"updated_at" >= ?', value: query.updatedSince });
    const statement = this.statement(conditions, query.sort);
    const values = conditions.map((condition) => condition.value);
    const { limit, offset } = pageWindow(query);
    const rows = await readRows(em, statement.page, [...values, limit, offset]);
    if (rows.length) return [rows.map((row) => this.spec.view(row)), Number(rows[0].total)];
    // No row on the first page: nothing matches (the count would run in the same snapshot).
    if (offset === 0) return [[], 0];
    const [count] = await readRows(em, statement.count, values);
    return [[], Number(count.total)];
  }

  private statement(conditions: ListCondition[], sort: SortSpec): Statement {
    const key = `${sort.field} ${sort.direction} ${conditions.map((condition) => condition.sql).join(' and ')}`;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.build(conditions, sort);
      this.statements.set(key, statement);
    }
    return statement;
  }

  private build(conditions: ListCondition[], sort: SortSpec): Statement {
    const { table, columns } = this.spec;
    // A custom field sorts by its jsonb value, the expression its cf_ index holds (a column of the table).
    const column = sort.field.startsWith('cf.')
      ? `(${table}.${valueExpression(sort.field.slice(3))})`
      : this.spec.sortColumns[sort.field] && `${table}.${this.spec.sortColumns[sort.field]}`;
    if (!column) throw new Error(`not a sortable field: ${sort.field}`);
    const direction = sort.direction === 'desc' ? 'desc' : 'asc';
    // The n-th condition's value is parameter $n, wherever the condition refers to it.
    const where = conditions.length
      ? ` where ${conditions.map((condition, i) => condition.sql.replaceAll('?', `$${i + 1}`)).join(' and ')}`
      : '';
    const n = conditions.length;
    return {
      page:
        `select ${columns}, (select count(*) from ${table}${where}) as "total" from ${table}${where}` +
        ` order by ${column} ${direction}, ${table}."id" ${direction} limit $${n + 1} offset $${n + 2}`,
      count: `select count(*) as "total" from ${table}${where}`,
    };
  }
}
