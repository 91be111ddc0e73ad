import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const AUDIT_OUTCOMES = ['success', 'denied', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One line of a tenant's audit trail; `seq`, `prev_hash` and `hash` are set by the database. */
@Entity({ tableName: 'audit_logs' })
// The migrations' indexes; descending ones by `expression` (MikroORM 6 has no option for the order).
@Index({
  name: 'audit_logs_at_index',
  expression: 'create index "audit_logs_at_index" on "audit_logs" ("at" desc, "seq" desc)',
})
@Index({
  name: 'audit_logs_actor_index',
  expression: 'create index "audit_logs_actor_index" on "audit_logs" ("actor_id", "at" desc)',
})
@Index({
  name: 'audit_logs_entity_index',
  expression: 'create index "audit_logs_entity_index" on "audit_logs" ("entity", "entity_id", "at" desc)',
})
@Index({
  name: 'audit_logs_action_index',
  expression: 'create index "audit_logs_action_index" on "audit_logs" ("action", "at" desc)',
})
export class AuditLog {
  [OptionalProps]?: 'at' | 'seq' | 'prevHash' | 'hash' | 'changesSalt' | 'changesDigest' | 'redactedBy';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Position in the chain, given by the insert trigger. */
  @Property({ type: 'bigint', nullable: true, unique: true })
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

  /** In a support session: the platform user acting for `actorId`, the token's `act.sub`. */
  @Property({ type: 'text', nullable: true })
  impersonatorId?: string | null;

  @Property({ type: 'text' })
  action: string;

  @Property({ type: 'text', nullable: true })
  entity?: string | null;

  @Property({ type: 'text', nullable: true })
  entityId?: string | null;

  @Property({ type: 'json', defaultRaw: "'{}'" })
  changes: Record<string, unknown> = {};

  @Enum({ items: () => AUDIT_OUTCOMES, type: 'text' })
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

  /** Random per entry (insert trigger); dropped when the entry is redacted. */
  @Property({ type: 'text', nullable: true, hidden: true })
  changesSalt?: string | null;

  /** sha256 of the salt and `changes`: what the chain's hash covers instead of the values (insert trigger). */
  @Property({ type: 'text', nullable: true, hidden: true })
  changesDigest?: string | null;

  /** The `privacy.erase` entry that redacted this entry's personal values, if one did. */
  @Property({ type: 'uuid', nullable: true })
  redactedBy?: string | null;
}
