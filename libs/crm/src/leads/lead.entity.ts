import { IdProperty, NullableText, TimeProperty } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import { Entity, EntityRepositoryType, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { CustomFieldsAnswer } from '../custom-fields/custom-fields.property';
import { answerValues, type FieldRule, type StoredValue, type StoredValues } from '../custom-fields/custom-field-types';
import { CrmErrors } from '../crm.exception';
import { LeadRepository } from './lead.repository';

export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'lost', 'converted'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** Where a lead may go next; `converted` only through /convert, and it is final. */
export const LEAD_TRANSITIONS: Record<LeadStatus, readonly LeadStatus[]> = {
  new: ['contacted', 'qualified', 'lost', 'converted'],
  contacted: ['qualified', 'lost', 'converted'],
  qualified: ['contacted', 'lost', 'converted'],
  lost: ['new', 'contacted'],
  converted: [],
};

export function assertTransition(from: LeadStatus, to: LeadStatus): void {
  if (from === to && to !== 'converted') return;
  if (!LEAD_TRANSITIONS[from].includes(to)) throw CrmErrors.statusTransition(from, to);
}

@Entity({ tableName: 'leads', repository: () => LeadRepository })
// The migrations' indexes; descending, trigram and partial ones by `expression` (MikroORM 6 has no option for those).
@Index({
  name: 'leads_created_index',
  expression: 'create index "leads_created_index" on "leads" ("created_at" desc, "id" desc)',
})
@Index({
  name: 'leads_updated_index',
  expression: 'create index "leads_updated_index" on "leads" ("updated_at" desc, "id" desc)',
})
@Index({
  name: 'leads_owner_created_index',
  expression: 'create index "leads_owner_created_index" on "leads" ("owner_id", "created_at" desc, "id" desc)',
})
@Index({
  name: 'leads_status_created_index',
  expression: 'create index "leads_status_created_index" on "leads" ("status", "created_at" desc, "id" desc)',
})
@Index({ name: 'leads_name_index', properties: ['name', 'id'] })
@Index({ name: 'leads_company_index', properties: ['company', 'id'] })
@Index({
  name: 'leads_name_trgm',
  expression: 'create index "leads_name_trgm" on "leads" using gin ("name" gin_trgm_ops)',
})
@Index({
  name: 'leads_email_trgm',
  expression: 'create index "leads_email_trgm" on "leads" using gin ("email" gin_trgm_ops)',
})
@Index({
  name: 'leads_company_trgm',
  expression: 'create index "leads_company_trgm" on "leads" using gin ("company" gin_trgm_ops)',
})
export class Lead {
  [EntityRepositoryType]?: LeadRepository;
  [OptionalProps]?: 'status' | 'customFields' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name: string;

  @Property({ type: 'text', nullable: true })
  email?: string | null;

  @Property({ type: 'text', nullable: true })
  phone?: string | null;

  @Property({ type: 'text', nullable: true })
  company?: string | null;

  @Property({ type: 'text', nullable: true })
  source?: string | null;

  @Enum({ items: () => LEAD_STATUSES, type: 'text' })
  status: LeadStatus = 'new';

  @Property({ type: 'uuid' })
  ownerId: string;

  /** Values of the tenant's custom fields by key (custom-field-types.ts: what each type stores). */
  @Property({ type: 'json', defaultRaw: `'{}'` })
  customFields: StoredValues = {};

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** A lead as the API answers it. */
export class LeadView {
  @IdProperty()
  id: string;

  @ApiProperty({ example: 'Wile E. Coyote' })
  name: string;

  @NullableText({ format: 'email', example: 'wile@acme.test' })
  email: string | null;

  @NullableText({ example: '+1 555 0100' })
  phone: string | null;

  @NullableText({ example: 'Acme' })
  company: string | null;

  @NullableText({ example: 'website' })
  source: string | null;

  @ApiProperty({ enum: LEAD_STATUSES, enumName: 'LeadStatus' })
  status: LeadStatus;

  @IdProperty({ description: 'the user who owns the lead' })
  ownerId: string;

  @CustomFieldsAnswer()
  customFields: Record<string, StoredValue>;

  @TimeProperty()
  createdAt: string;

  @TimeProperty()
  updatedAt: string;
}

/** The view; `rules` are the tenant's definitions of leads (archived keys hidden, money as decimal strings). */
export function toLeadView(lead: Lead, rules: readonly FieldRule[]): LeadView {
  return {
    id: lead.id,
    name: lead.name,
    email: lead.email ?? null,
    phone: lead.phone ?? null,
    company: lead.company ?? null,
    source: lead.source ?? null,
    status: lead.status,
    ownerId: lead.ownerId,
    customFields: answerValues(rules, lead.customFields),
    createdAt: lead.createdAt.toISOString(),
    updatedAt: lead.updatedAt.toISOString(),
  };
}
