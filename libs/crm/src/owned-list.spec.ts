import type { EntityManager } from '@mikro-orm/postgresql';
import { OwnedList, type OwnedListQuery } from './owned-list';

interface Sent {
  sql: string;
  values: readonly unknown[];
}

/** An EntityManager whose pool hands out one connection that records statements and answers `answers` in turn. */
function fakeEm(
  answers: Record<string, unknown>[][],
  failure?: Error,
): { em: EntityManager; sent: Sent[]; released: () => number } {
  const sent: Sent[] = [];
  let released = 0;
  const connection = {
    query: (sql: string, values: readonly unknown[]) => {
      sent.push({ sql, values });
      if (failure) return Promise.reject(failure);
      return Promise.resolve({ rows: answers.shift() ?? [] });
    },
  };
  const client = {
    acquireConnection: () => Promise.resolve(connection),
    releaseConnection: () => {
      released++;
      return Promise.resolve();
    },
  };
  const em = {
    getTransactionContext: () => undefined,
    getConnection: () => ({ getKnex: () => ({ client }) }),
  } as unknown as EntityManager;
  return { em, sent, released: () => released };
}

const list = new OwnedList<{ id: unknown }>({
  table: '"things"',
  columns: '"id"',
  sortColumns: { name: '"name"', createdAt: '"created_at"' },
  view: (row) => ({ id: row.id }),
});

const query = (fields: Partial<OwnedListQuery> = {}): OwnedListQuery => ({
  sort: { field: 'createdAt', direction: 'desc' },
  page: 1,
  limit: 20,
  ...fields,
});

describe('OwnedList', () => {
  it('sends filter values as parameters, never inside the SQL', async () => {
    const { em, sent } = fakeEm([[{ id: 'a', total: '1' }]]);
    const hostile = "x'; drop table things; --";
    await list.page(em, [{ sql: '"name" = ?', value: hostile }], query({ ownerId: 'owner-1' }));
    expect(sent[0].sql).not.toContain(hostile);
    expect(sent[0].sql).toContain('where "name" = $1 and "owner_id" = $2');
    expect(sent[0].values).toEqual([hostile, 'owner-1', 20, 0]);
  });

  it('builds the SQL of a list shape once and reuses it for other values', async () => {
    const { em, sent } = fakeEm([[{ id: 'a', total: '1' }], [{ id: 'b', total: '1' }], [{ id: 'c', total: '1' }]]);
    await list.page(em, [{ sql: '"name" = ?', value: 'one' }], query());
    await list.page(em, [{ sql: '"name" = ?', value: 'two' }], query({ page: 3 }));
    await list.page(em, [{ sql: '"name" = ?', value: 'two' }], query({ sort: { field: 'name', direction: 'asc' } }));
    expect(sent[1].sql).toBe(sent[0].sql);
    expect(sent[1].values).toEqual(['two', 20, 40]);
    expect(sent[2].sql).not.toBe(sent[0].sql);
  });

  it('orders by the table column, then the id in the same direction', async () => {
    const { em, sent } = fakeEm([[{ id: 'a', total: '1' }]]);
    await list.page(em, [], query({ sort: { field: 'name', direction: 'asc' } }));
    expect(sent[0].sql).toContain('order by "things"."name" asc, "things"."id" asc limit $1 offset $2');
  });

  it('refuses a sort field that is not listed, before any SQL runs', async () => {
    const { em, sent } = fakeEm([]);
    await expect(
      list.page(em, [], query({ sort: { field: 'id; drop table things', direction: 'asc' } })),
    ).rejects.toThrow(/not a sortable field/);
    expect(sent).toEqual([]);
  });

  it("answers staff asking for another owner's records with nothing, without a query", async () => {
    const { em, sent } = fakeEm([]);
    expect(await list.page(em, [], query({ ownerScope: 'me', ownerId: 'someone-else' }))).toEqual([[], 0]);
    expect(sent).toEqual([]);
  });

  it('counts apart only for a page past the end, and knows an empty first page means none', async () => {
    const { em, sent } = fakeEm([[], [{ total: '41' }], []]);
    expect(await list.page(em, [], query({ page: 5 }))).toEqual([[], 41]);
    expect(sent[1].sql).toBe('select count(*) as "total" from "things"');
    expect(await list.page(em, [], query())).toEqual([[], 0]);
    expect(sent).toHaveLength(3);
  });

  it('hands the connection back when the statement fails', async () => {
    const { em, released } = fakeEm([], new Error('statement timeout'));
    await expect(list.page(em, [], query())).rejects.toThrow('statement timeout');
    expect(released()).toBe(1);
  });
});
