import { escapeLike } from '@app/common';
import { EntityRepository, FilterQuery } from '@mikro-orm/postgresql';
import { OwnedListQuery, ownedPage } from '../owned-list';
import type { Lead, LeadStatus } from './lead.entity';

export interface LeadSearch extends OwnedListQuery {
  status?: LeadStatus;
  q?: string;
}

export class LeadRepository extends EntityRepository<Lead> {
  search(search: LeadSearch): Promise<[Lead[], number]> {
    const where: FilterQuery<Lead> = {};
    if (search.status) where.status = search.status;
    if (search.q) {
      const like = `%${escapeLike(search.q)}%`;
      where.$or = [{ name: { $ilike: like } }, { email: { $ilike: like } }, { company: { $ilike: like } }];
    }
    return ownedPage<Lead>(this, where, search);
  }
}
