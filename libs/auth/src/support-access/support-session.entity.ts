import { Check, Entity, EntityRepositoryType, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { SupportSessionRepository } from './support-session.repository';

/**
 * What the database keeps: `pending` (asked, waiting for a company admin), `approved` (may be
 * started once, within 15 minutes), `denied`, `active` (a token was issued) and `ended`.
 * `expired` is never stored: an answer says it of an active session past `expiresAt`, or of an
 * approval not started in time.
 */
export const SUPPORT_SESSION_STATES = ['pending', 'approved', 'denied', 'active', 'ended'] as const;
export type SupportSessionState = (typeof SUPPORT_SESSION_STATES)[number];

/**
 * A support session: a platform user acting as one of the tenant's users, from the request to its
 * end. Lives in the tenant's database; every move is one conditional UPDATE (single use).
 */
@Entity({ tableName: 'support_sessions', repository: () => SupportSessionRepository })
@Index({ name: 'support_sessions_requested_at_index', properties: ['requestedAt'] })
@Index({ name: 'support_sessions_user_id_index', properties: ['userId'] })
@Check({ name: 'support_sessions_reason_min', expression: 'char_length("reason") >= 1' })
@Check({ name: 'support_sessions_reason_max', expression: 'char_length("reason") <= 500' })
@Check({ name: 'support_sessions_minutes_min', expression: '"minutes" >= 1' })
@Check({ name: 'support_sessions_minutes_max', expression: '"minutes" <= 480' })
export class SupportSession {
  [EntityRepositoryType]?: SupportSessionRepository;

  @PrimaryKey({ type: 'uuid' })
  id: string;

  /** The platform user who asked (and alone may start it). */
  @Property({ type: 'uuid' })
  platformUserId: string;

  /** Their e-mail when they asked, so the tenant sees who without reading the catalog. */
  @Property({ type: 'text' })
  platformUserEmail: string;

  /** The tenant user acted for. */
  @Property({ type: 'uuid' })
  userId: string;

  @Property({ type: 'text' })
  reason: string;

  /** How long the session may last once started (clamped to the tenant's `maxMinutes`). */
  @Property({ type: 'integer' })
  minutes: number;

  @Enum({ items: () => SUPPORT_SESSION_STATES, type: 'text' })
  status: SupportSessionState;

  @Property({ type: 'timestamptz' })
  requestedAt: Date;

  /** When a company admin approved or denied it (or the tenant's `always` mode approved it). */
  @Property({ type: 'timestamptz', nullable: true })
  decidedAt?: Date | null;

  /** The company admin who decided; null when `always` approved it. */
  @Property({ type: 'uuid', nullable: true })
  decidedBy?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  expiresAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  endedAt?: Date | null;

  /** The company admin who ended it; null when the system did (see `endReason`). */
  @Property({ type: 'uuid', nullable: true })
  endedBy?: string | null;

  /** `revoked`, `user-deactivated` or `support-access-off`. */
  @Property({ type: 'text', nullable: true })
  endReason?: string | null;
}
