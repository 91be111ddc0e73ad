import { pageWindow, type SortSpec } from '@app/common';
import type { EntityRepository, FilterQuery } from '@mikro-orm/postgresql';

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
 * One page of owned records and the total, as plain rows: a list page is read-only, and
 * hydrating it into the identity map costs more than the query. Page and count run side by
 * side; the id tie-breaker follows the sort so one index serves both directions.
 */
export async function ownedPage<T extends { ownerId: string; updatedAt: Date }>(
  repository: EntityRepository<T>,
  filters: FilterQuery<T> & object,
  query: OwnedListQuery,
): Promise<[T[], number]> {
  if (query.ownerScope && query.ownerId && query.ownerId !== query.ownerScope) return [[], 0];
  const owner = query.ownerScope ?? query.ownerId;
  const where = {
    ...filters,
    ...(owner && { ownerId: owner }),
    ...(query.updatedSince && { updatedAt: { $gte: query.updatedSince } }),
  } as FilterQuery<T>;
  const direction = query.sort.direction;
  const { limit, offset } = pageWindow(query);
  const page = repository
    .createQueryBuilder()
    .select('*')
    .where(where)
    .orderBy([{ [query.sort.field]: direction }, { id: direction }] as never)
    .limit(limit)
    .offset(offset);
  const count = repository.createQueryBuilder().where(where);
  return Promise.all([page.execute<T[]>('all', true), count.getCount()]);
}
