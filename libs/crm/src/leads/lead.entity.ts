import { Entity, EntityRepositoryType, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
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
export class Lead {
  [EntityRepositoryType]?: LeadRepository;
  [OptionalProps]?: 'status' | 'createdAt' | 'updatedAt';

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

  @Index()
  @Property({ type: 'uuid' })
  ownerId: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

export interface LeadView {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  company: string | null;
  source: string | null;
  status: LeadStatus;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
}

export function toLeadView(lead: Lead): LeadView {
  return {
    id: lead.id,
    name: lead.name,
    email: lead.email ?? null,
    phone: lead.phone ?? null,
    company: lead.company ?? null,
    source: lead.source ?? null,
    status: lead.status,
    ownerId: lead.ownerId,
    createdAt: lead.createdAt.toISOString(),
    updatedAt: lead.updatedAt.toISOString(),
  };
}
