import { IdProperty, NullableText, TimeProperty } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import type { SupportSession } from './support-session.entity';

/** How long an approval may wait to be started. */
export const APPROVAL_WINDOW_MS = 15 * 60_000;

export const SUPPORT_SESSION_STATUSES = ['pending', 'approved', 'denied', 'active', 'ended', 'expired'] as const;
export type SupportSessionStatus = (typeof SUPPORT_SESSION_STATUSES)[number];

/** A support request and, once started, its session: who, for whom, why, and when. */
export class SupportSessionView {
  @IdProperty()
  id: string;

  @ApiProperty({
    enum: SUPPORT_SESSION_STATUSES,
    enumName: 'SupportSessionStatus',
    description:
      '`pending` → `approved` (start within 15 min) → `active` → `ended`; or `denied`; `expired`: active past `expiresAt`, or approved and not started in time',
  })
  status: SupportSessionStatus;

  @IdProperty({ description: 'the platform user who asked (and acts)' })
  platformUserId: string;

  @ApiProperty({ example: 'support@tessera.dev' })
  platformUserEmail: string;

  @IdProperty({ description: 'the tenant user acted for' })
  userId: string;

  @NullableText({ description: "the tenant user's e-mail" })
  userEmail: string | null;

  @ApiProperty()
  reason: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 480 })
  minutes: number;

  @TimeProperty()
  requestedAt: string;

  @TimeProperty({ nullable: true, description: 'approved or denied (by the `always` mode: at the request)' })
  decidedAt: string | null;

  @IdProperty({ nullable: true, description: 'the company admin who approved or denied' })
  decidedBy: string | null;

  @TimeProperty({ nullable: true })
  startedAt: string | null;

  @TimeProperty({ nullable: true, description: 'the token fails from this second on' })
  expiresAt: string | null;

  @TimeProperty({ nullable: true })
  endedAt: string | null;

  @IdProperty({ nullable: true, description: 'the company admin who ended it' })
  endedBy: string | null;

  @NullableText({ description: '`revoked`, `user-deactivated` or `support-access-off`' })
  endReason: string | null;
}

/** A session started at once (`always`): its token. */
export class ActiveImpersonation {
  @IdProperty()
  id: string;

  @ApiProperty({ enum: ['active'] })
  status: 'active';

  @ApiProperty({
    description: 'a JWT (ES256) for `Authorization: Bearer`: no refresh token; `act.sub` names the platform user',
  })
  accessToken: string;

  @TimeProperty({ description: 'the token fails from this second on' })
  expiresAt: string;
}

/** A request waiting for a company admin (`approval`). */
export class PendingImpersonation {
  @IdProperty()
  id: string;

  @ApiProperty({ enum: ['pending'] })
  status: 'pending';
}

/** The token of an approved session, issued once. */
export class ImpersonationToken {
  @ApiProperty({
    description: 'a JWT (ES256) for `Authorization: Bearer`: no refresh token; `act.sub` names the platform user',
  })
  accessToken: string;

  @TimeProperty({ description: 'the token fails from this second on' })
  expiresAt: string;
}

const iso = (value: Date | string | null | undefined) => (value ? new Date(value).toISOString() : null);

/** What a session is now: the stored state, or `expired` once its time is past. */
export function statusOf(
  session: Pick<SupportSession, 'status' | 'decidedAt' | 'expiresAt'>,
  now: Date,
): SupportSessionStatus {
  if (session.status === 'active' && session.expiresAt && new Date(session.expiresAt) <= now) return 'expired';
  if (
    session.status === 'approved' &&
    session.decidedAt &&
    new Date(session.decidedAt).getTime() + APPROVAL_WINDOW_MS <= now.getTime()
  )
    return 'expired';
  return session.status;
}

export function toSupportSessionView(session: SupportSession, userEmail: string | null, now: Date): SupportSessionView {
  return {
    id: session.id,
    status: statusOf(session, now),
    platformUserId: session.platformUserId,
    platformUserEmail: session.platformUserEmail,
    userId: session.userId,
    userEmail,
    reason: session.reason,
    minutes: session.minutes,
    requestedAt: iso(session.requestedAt)!,
    decidedAt: iso(session.decidedAt),
    decidedBy: session.decidedBy ?? null,
    startedAt: iso(session.startedAt),
    expiresAt: iso(session.expiresAt),
    endedAt: iso(session.endedAt),
    endedBy: session.endedBy ?? null,
    endReason: session.endReason ?? null,
  };
}
