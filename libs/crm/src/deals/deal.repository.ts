import { escapeLike } from '@app/common';
import { EntityRepository, LockMode } from '@mikro-orm/postgresql';
import { isoTime, ListCondition, OwnedList, OwnedListQuery } from '../owned-list';
import type { Deal, DealStage, DealView } from './deal.entity';

export interface DealSearch extends OwnedListQuery {
  stage?: DealStage;
  leadId?: string;
  currency?: string;
  q?: string;
  /** Conditions of the request's `cf.*` filters (custom-field-filters.ts). */
  custom?: ListCondition[];
}

const LIST = new OwnedList<DealView>({
  table: '"deals"',
  columns:
    '"id", "title", "amount", "currency", "stage", "lead_id" as "leadId", "owner_id" as "ownerId", ' +
    `to_char("expected_close_date", 'YYYY-MM-DD') as "expectedCloseDate", ${isoTime('"closed_at"')} as "closedAt", ` +
    '"custom_fields" as "customFields", ' +
    `${isoTime('"created_at"')} as "createdAt", ${isoTime('"updated_at"')} as "updatedAt"`,
  sortColumns: {
    title: '"title"',
    amount: '"amount"',
    stage: '"stage"',
    expectedCloseDate: '"expected_close_date"',
    createdAt: '"created_at"',
    updatedAt: '"updated_at"',
  },
  view: (row) => ({
    id: row.id as string,
    title: row.title as string,
    amount: row.amount as string,
    currency: row.currency as string,
    stage: row.stage as DealStage,
    leadId: row.leadId as string | null,
    ownerId: row.ownerId as string,
    expectedCloseDate: row.expectedCloseDate as string | null,
    closedAt: row.closedAt as string | null,
    customFields: row.customFields as DealView['customFields'],
    createdAt: row.createdAt as string,
    updatedAt: row.updatedAt as string,
  }),
});

export class DealRepository extends EntityRepository<Deal> {
  /** One page of deals as views, and the total. */
  search(search: DealSearch): Promise<[DealView[], number]> {
    const filters: ListCondition[] = [];
    if (search.stage) filters.push({ sql: '"stage" = ?', value: search.stage });
    if (search.leadId) filters.push({ sql: '"lead_id" = ?', value: search.leadId });
    if (search.currency) filters.push({ sql: '"currency" = ?', value: search.currency });
    if (search.q) filters.push({ sql: '"title" ilike ?', value: `%${escapeLike(search.q)}%` });
    filters.push(...(search.custom ?? []));
    return LIST.page(this.em, filters, search);
  }

  /** The deal made from this lead (at most one), locked until the transaction ends. */
  linkedTo(leadId: string): Promise<Deal[]> {
    return this.find({ leadId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }
}
