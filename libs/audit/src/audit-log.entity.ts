import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const AUDIT_OUTCOMES = ['success', 'denied', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One line of a tenant's audit trail; `seq`, `prev_hash` and `hash` are set by the database. */
@Entity({ tableName: 'audit_logs' })
export class AuditLog {
  [OptionalProps]?: 'at' | 'seq' | 'prevHash' | 'hash';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Position in the chain, given by the insert trigger. */
  @Property({ type: 'bigint', nullable: true })
  seq?: string;

  /** When the entry joined the chain: stamped by the insert trigger, never by the application. */
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at!: Date;

  @Property({ type: 'text' })
  tenant: string;

  @Property({ type: 'text', nullable: true })
  actorId?: string | null;

  @Property({ type: 'text', nullable: true })
  actorRole?: string | null;

  @Property({ type: 'text' })
  action: string;

  @Property({ type: 'text', nullable: true })
  entity?: string | null;

  @Property({ type: 'text', nullable: true })
  entityId?: string | null;

  @Property({ type: 'json' })
  changes: Record<string, unknown> = {};

  @Property({ type: 'text' })
  outcome: AuditOutcome;

  @Property({ type: 'text', nullable: true })
  ip?: string | null;

  @Property({ type: 'text', nullable: true })
  userAgent?: string | null;

  @Property({ type: 'text', nullable: true })
  requestId?: string | null;

  @Property({ type: 'text', nullable: true, hidden: true })
  prevHash?: string;

  @Property({ type: 'text', nullable: true, hidden: true })
  hash?: string;
}
