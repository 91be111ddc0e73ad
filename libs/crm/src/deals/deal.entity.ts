import { IdProperty, NullableText, TimeProperty } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import { AMOUNT_SCHEMA_PATTERN } from '../money';
import {
  Check,
  Entity,
  EntityRepositoryType,
  Enum,
  Index,
  OptionalProps,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { CustomFieldsAnswer } from '../custom-fields/custom-fields.property';
import { answerValues, type FieldRule, type StoredValue, type StoredValues } from '../custom-fields/custom-field-types';
import { DealRepository } from './deal.repository';

export const DEAL_STAGES = ['prospecting', 'proposal', 'negotiation', 'won', 'lost'] as const;
export type DealStage = (typeof DEAL_STAGES)[number];
export const CLOSED_STAGES: readonly DealStage[] = ['won', 'lost'];

@Entity({ tableName: 'deals', repository: () => DealRepository })
// The migrations' indexes; descending, trigram and partial ones by `expression` (MikroORM 6 has no option for those).
@Index({
  name: 'deals_created_index',
  expression: 'create index "deals_created_index" on "deals" ("created_at" desc, "id" desc)',
})
@Index({
  name: 'deals_owner_created_index',
  expression: 'create index "deals_owner_created_index" on "deals" ("owner_id", "created_at" desc, "id" desc)',
})
@Index({
  name: 'deals_stage_created_index',
  expression: 'create index "deals_stage_created_index" on "deals" ("stage", "created_at" desc, "id" desc)',
})
@Index({ name: 'deals_amount_index', properties: ['amount', 'id'] })
@Index({ name: 'deals_close_date_index', properties: ['expectedCloseDate', 'id'] })
@Index({
  name: 'deals_closed_at_index',
  expression: `create index "deals_closed_at_index" on "deals" ("closed_at") where "stage" = 'won'`,
})
@Index({
  name: 'deals_title_trgm',
  expression: 'create index "deals_title_trgm" on "deals" using gin ("title" gin_trgm_ops)',
})
@Check({ name: 'deals_amount_check', expression: '"amount" >= 0' })
@Check({ name: 'deals_currency_check', expression: `"currency" ~ '^[A-Z]{3}$'` })
// As PostgreSQL prints it back (`in (…)` becomes `= any (array[…])`), so the schema diff sees no change.
@Check({ name: 'deals_closed_check', expression: `("stage" = any (array['won', 'lost'])) = ("closed_at" is not null)` })
export class Deal {
  [EntityRepositoryType]?: DealRepository;
  [OptionalProps]?: 'stage' | 'customFields' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  title: string;

  /** PostgreSQL numeric(14,2), carried as a decimal string end to end. */
  @Property({ type: 'decimal', precision: 14, scale: 2 })
  amount: string;

  @Property({ type: 'character', length: 3 })
  currency: string;

  @Enum({ items: () => DEAL_STAGES, type: 'text' })
  stage: DealStage = 'prospecting';

  /** The lead this deal was made from; a lead has at most one deal (a lead converts once). */
  @Unique({
    name: 'deals_lead_id_unique',
    expression: 'create unique index "deals_lead_id_unique" on "deals" ("lead_id") where "lead_id" is not null',
  })
  @Property({ type: 'uuid', nullable: true })
  leadId?: string | null;

  @Property({ type: 'uuid' })
  ownerId: string;

  @Property({ type: 'date', nullable: true })
  expectedCloseDate?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  closedAt?: Date | null;

  /** Values of the tenant's custom fields by key (custom-field-types.ts: what each type stores). */
  @Property({ type: 'json', defaultRaw: `'{}'` })
  customFields: StoredValues = {};

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** A deal as the API answers it. */
export class DealView {
  @IdProperty()
  id: string;

  @ApiProperty({ example: 'Acme annual licence' })
  title: string;

  @ApiProperty({ pattern: AMOUNT_SCHEMA_PATTERN, example: '12500.00', description: 'decimal string, two decimals' })
  amount: string;

  @ApiProperty({ pattern: '^[A-Z]{3}$', example: 'USD', description: 'ISO-4217 code' })
  currency: string;

  @ApiProperty({ enum: DEAL_STAGES, enumName: 'DealStage' })
  stage: DealStage;

  @IdProperty({ nullable: true, description: 'the lead the deal was converted from' })
  leadId: string | null;

  @IdProperty({ description: 'the user who owns the deal' })
  ownerId: string;

  @NullableText({ format: 'date', example: '2026-12-31' })
  expectedCloseDate: string | null;

  @TimeProperty({ nullable: true, description: 'when the deal entered won or lost' })
  closedAt: string | null;

  @CustomFieldsAnswer()
  customFields: Record<string, StoredValue>;

  @TimeProperty()
  createdAt: string;

  @TimeProperty()
  updatedAt: string;
}

/** The view; `rules` are the tenant's definitions of deals (archived keys hidden, money as decimal strings). */
export function toDealView(deal: Deal, rules: readonly FieldRule[]): DealView {
  return {
    id: deal.id,
    title: deal.title,
    amount: deal.amount,
    currency: deal.currency,
    stage: deal.stage,
    leadId: deal.leadId ?? null,
    ownerId: deal.ownerId,
    expectedCloseDate: deal.expectedCloseDate ?? null,
    closedAt: deal.closedAt?.toISOString() ?? null,
    customFields: answerValues(rules, deal.customFields),
    createdAt: deal.createdAt.toISOString(),
    updatedAt: deal.updatedAt.toISOString(),
  };
}

/** Entering won/lost stamps closedAt; reopening clears it. */
export function applyStage(deal: Deal, stage: DealStage, now = new Date()): void {
  const wasClosed = CLOSED_STAGES.includes(deal.stage);
  const isClosed = CLOSED_STAGES.includes(stage);
  deal.stage = stage;
  if (isClosed && (!wasClosed || !deal.closedAt)) deal.closedAt = now;
  if (!isClosed) deal.closedAt = null;
}
