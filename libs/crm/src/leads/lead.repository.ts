import { escapeLike, type SortSpec } from '@app/common';
import { EntityRepository, FilterQuery } from '@mikro-orm/postgresql';
import type { Lead, LeadStatus } from './lead.entity';

export interface LeadSearch {
  /** Only this owner's leads (staff see their own). */
  ownerScope?: string;
  status?: LeadStatus;
  ownerId?: string;
  q?: string;
  sort: SortSpec;
  page: number;
  limit: number;
}

export class LeadRepository extends EntityRepository<Lead> {
  async search(search: LeadSearch): Promise<[Lead[], number]> {
    if (search.ownerScope && search.ownerId && search.ownerId !== search.ownerScope) return [[], 0];
    const where: FilterQuery<Lead> = {};
    const owner = search.ownerScope ?? search.ownerId;
    if (owner) where.ownerId = owner;
    if (search.status) where.status = search.status;
    if (search.q) {
      const like = `%${escapeLike(search.q)}%`;
      where.$or = [{ name: { $ilike: like } }, { email: { $ilike: like } }, { company: { $ilike: like } }];
    }
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
    return Promise.all([page.execute<Lead[]>('all', true), count.getCount()]);
  }
}
