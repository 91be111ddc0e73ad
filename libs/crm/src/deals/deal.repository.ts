import { escapeLike } from '@app/common';
import { EntityRepository, FilterQuery, LockMode } from '@mikro-orm/postgresql';
import { OwnedListQuery, ownedPage } from '../owned-list';
import type { Deal, DealStage } from './deal.entity';

export interface DealSearch extends OwnedListQuery {
  stage?: DealStage;
  leadId?: string;
  currency?: string;
  q?: string;
}

export class DealRepository extends EntityRepository<Deal> {
  search(search: DealSearch): Promise<[Deal[], number]> {
    const where: FilterQuery<Deal> = {};
    if (search.stage) where.stage = search.stage;
    if (search.leadId) where.leadId = search.leadId;
    if (search.currency) where.currency = search.currency;
    if (search.q) where.title = { $ilike: `%${escapeLike(search.q)}%` };
    return ownedPage<Deal>(this, where, search);
  }

  /** The deal made from this lead (at most one), locked until the transaction ends. */
  linkedTo(leadId: string): Promise<Deal[]> {
    return this.find({ leadId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }
}
