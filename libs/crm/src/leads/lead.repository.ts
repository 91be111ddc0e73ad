import { escapeLike } from '@app/common';
import { EntityRepository } from '@mikro-orm/postgresql';
import { isoTime, ListCondition, OwnedList, OwnedListQuery } from '../owned-list';
import type { Lead, LeadStatus, LeadView } from './lead.entity';

export interface LeadSearch extends OwnedListQuery {
  status?: LeadStatus;
  q?: string;
  /** Conditions of the request's `cf.*` filters (custom-field-filters.ts). */
  custom?: ListCondition[];
}

const LIST = new OwnedList<LeadView>({
  table: '"leads"',
  columns:
    '"id", "name", "email", "phone", "company", "source", "status", "owner_id" as "ownerId", ' +
    '"custom_fields" as "customFields", ' +
    `${isoTime('"created_at"')} as "createdAt", ${isoTime('"updated_at"')} as "updatedAt"`,
  sortColumns: {
    name: '"name"',
    company: '"company"',
    status: '"status"',
    createdAt: '"created_at"',
    updatedAt: '"updated_at"',
  },
  view: (row) => ({
    id: row.id as string,
    name: row.name as string,
    email: row.email as string | null,
    phone: row.phone as string | null,
    company: row.company as string | null,
    source: row.source as string | null,
    status: row.status as LeadStatus,
    ownerId: row.ownerId as string,
    customFields: row.customFields as LeadView['customFields'],
    createdAt: row.createdAt as string,
    updatedAt: row.updatedAt as string,
  }),
});

export class LeadRepository extends EntityRepository<Lead> {
  /** One page of leads as views, and the total. */
  search(search: LeadSearch): Promise<[LeadView[], number]> {
    const filters: ListCondition[] = [];
    if (search.status) filters.push({ sql: '"status" = ?', value: search.status });
    if (search.q)
      filters.push({
        sql: '("name" ilike ? or "email" ilike ? or "company" ilike ?)',
        value: `%${escapeLike(search.q)}%`,
      });
    filters.push(...(search.custom ?? []));
    return LIST.page(this.em, filters, search);
  }
}
