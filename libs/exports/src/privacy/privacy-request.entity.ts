import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const PRIVACY_REQUEST_TYPES = ['access', 'erase'] as const;
export type PrivacyRequestType = (typeof PRIVACY_REQUEST_TYPES)[number];

export const PRIVACY_REQUEST_STATUSES = ['pending', 'running', 'done', 'failed'] as const;
export type PrivacyRequestStatus = (typeof PRIVACY_REQUEST_STATUSES)[number];

/** What a privacy request found (and, for an erasure, changed): counts only, never a value. */
export interface PrivacyRequestResult {
  leads: number;
  deals: number;
  auditEntries: number;
}

/**
 * A data subject's request: `access` (a zip of every record about the person) or `erase` (their
 * personal fields erased from leads and deals, their values redacted in the audit trail). The
 * e-mail is kept while the request runs; an erasure clears it (on every request naming it) once done.
 */
@Entity({ tableName: 'privacy_requests' })
@Index({ name: 'privacy_requests_created_at_index', properties: ['createdAt'] })
export class PrivacyRequest {
  [OptionalProps]?: 'status' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => PRIVACY_REQUEST_TYPES, type: 'text' })
  type: PrivacyRequestType;

  @Enum({ items: () => PRIVACY_REQUEST_STATUSES, type: 'text' })
  status: PrivacyRequestStatus = 'pending';

  /** The person's e-mail address (normalised); null once an erasure of that address is done. */
  @Property({ type: 'text', nullable: true })
  email?: string | null;

  @Property({ type: 'text' })
  requestedBy: string;

  @Property({ type: 'json', nullable: true })
  result?: PrivacyRequestResult | null;

  @Property({ type: 'text', nullable: true })
  error?: string | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  completedAt?: Date | null;

  /** An access request's zip is removed after this. */
  @Property({ type: 'timestamptz', nullable: true })
  expiresAt?: Date | null;
}
