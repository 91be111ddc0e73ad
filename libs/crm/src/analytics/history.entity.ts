import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One change of a lead's status, written by the `leads_status_history` trigger in the change's own
 * transaction (an insert: `fromStatus` null; a delete: `toStatus` null). Read-only for the code:
 * the analytics read it by SQL. No foreign key to `leads`: a deleted lead keeps its history, so
 * figures of past intervals never change.
 */
@Entity({ tableName: 'lead_status_history' })
@Index({ name: 'lead_status_history_lead_index', properties: ['leadId', 'at', 'id'] })
@Index({ name: 'lead_status_history_at_index', properties: ['at'] })
export class LeadStatusHistory {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id: string;

  @Property({ type: 'uuid' })
  leadId: string;

  @Property({ type: 'text', nullable: true })
  fromStatus?: string | null;

  @Property({ type: 'text', nullable: true })
  toStatus?: string | null;

  @Property({ type: 'uuid' })
  ownerId: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at: Date;
}

/**
 * One change of a deal's stage, amount or currency, written by the `deals_stage_history` trigger in
 * the change's own transaction (an insert: `fromStage` null; a delete: `toStage` null), with the
 * deal's amount, currency and owner after the change. No foreign key to `deals` (see above).
 */
@Entity({ tableName: 'deal_stage_history' })
@Index({ name: 'deal_stage_history_deal_index', properties: ['dealId', 'at', 'id'] })
@Index({ name: 'deal_stage_history_at_index', properties: ['at'] })
export class DealStageHistory {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id: string;

  @Property({ type: 'uuid' })
  dealId: string;

  @Property({ type: 'text', nullable: true })
  fromStage?: string | null;

  @Property({ type: 'text', nullable: true })
  toStage?: string | null;

  @Property({ type: 'decimal', precision: 14, scale: 2 })
  amount: string;

  @Property({ type: 'character', length: 3 })
  currency: string;

  @Property({ type: 'uuid' })
  ownerId: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at: Date;
}
