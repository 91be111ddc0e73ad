import { Entity, EntityRepositoryType, Enum, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { DealRepository } from './deal.repository';

export const DEAL_STAGES = ['prospecting', 'proposal', 'negotiation', 'won', 'lost'] as const;
export type DealStage = (typeof DEAL_STAGES)[number];
export const CLOSED_STAGES: readonly DealStage[] = ['won', 'lost'];

@Entity({ tableName: 'deals', repository: () => DealRepository })
export class Deal {
  [EntityRepositoryType]?: DealRepository;
  [OptionalProps]?: 'stage' | 'createdAt' | 'updatedAt';

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
  @Unique({ name: 'deals_lead_id_unique', expression: 'create unique index "deals_lead_id_unique" on "deals" ("lead_id") where "lead_id" is not null' })
  @Property({ type: 'uuid', nullable: true })
  leadId?: string | null;

  @Property({ type: 'uuid' })
  ownerId: string;

  @Property({ type: 'date', nullable: true })
  expectedCloseDate?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  closedAt?: Date | null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

export interface DealView {
  id: string;
  title: string;
  amount: string;
  currency: string;
  stage: DealStage;
  leadId: string | null;
  ownerId: string;
  expectedCloseDate: string | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toDealView(deal: Deal): DealView {
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
