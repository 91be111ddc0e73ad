import { escapeLike, type SortSpec } from '@app/common';
import { EntityRepository, FilterQuery } from '@mikro-orm/postgresql';
import type { Deal, DealStage } from './deal.entity';

export interface DealSearch {
  ownerScope?: string;
  stage?: DealStage;
  ownerId?: string;
  leadId?: string;
  currency?: string;
  q?: string;
  sort: SortSpec;
  page: number;
  limit: number;
}

export class DealRepository extends EntityRepository<Deal> {
  async search(search: DealSearch): Promise<[Deal[], number]> {
    if (search.ownerScope && search.ownerId && search.ownerId !== search.ownerScope) return [[], 0];
    const where: FilterQuery<Deal> = {};
    const owner = search.ownerScope ?? search.ownerId;
    if (owner) where.ownerId = owner;
    if (search.stage) where.stage = search.stage;
    if (search.leadId) where.leadId = search.leadId;
    if (search.currency) where.currency = search.currency;
    if (search.q) where.title = { $ilike: `%${escapeLike(search.q)}%` };
    // Plain rows, no entities: a list page is read-only, and hydrating it into the identity
    // map costs more than the query. Page and count run side by side on the pool.
    const page = this.createQueryBuilder()
      .select('*')
      .where(where)
      // The id tie-breaker follows the sort so one index serves both directions.
      .orderBy([{ [search.sort.field]: search.sort.direction }, { id: search.sort.direction }])
      .limit(search.limit)
      .offset((search.page - 1) * search.limit);
    const count = this.createQueryBuilder().where(where);
    return Promise.all([page.execute<Deal[]>('all', true), count.getCount()]);
  }
}
