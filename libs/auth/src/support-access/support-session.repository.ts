import { EntityRepository } from '@mikro-orm/postgresql';
import {
  DEFAULT_SUPPORT_MINUTES,
  SupportAccessSettings,
  type SupportAccessMode,
} from './support-access-settings.entity';
import type { SupportSession, SupportSessionState } from './support-session.entity';

/** The states a session can still end from. */
const LIVE: SupportSessionState[] = ['pending', 'approved', 'active'];

/** A move's conditions: the session's id and the state it must be in, compared in the UPDATE itself. */
export interface MoveFrom {
  id: string;
  from: readonly SupportSessionState[];
}

/** What a refused move is explained from. */
export interface SessionState {
  status: SupportSessionState;
  platformUserId: string;
  decidedAt: Date | null;
  userActive: boolean;
}

/** The user a session acts for, as its token needs them. */
export interface SessionUser {
  role: string;
  tokenVersion: number;
  active: boolean;
}

const COLUMNS: Record<string, string> = {
  decidedAt: 'decided_at',
  decidedBy: 'decided_by',
  endedAt: 'ended_at',
  endedBy: 'ended_by',
  endReason: 'end_reason',
};

/**
 * The queries of support sessions. Every move is one conditional UPDATE on `status` …
 * RETURNING: of concurrent approvals, denials or starts, exactly one finds the row in the state
 * it needs, and the others find nothing (PostgreSQL re-checks the condition after waiting for
 * the winner's row lock).
 */
export class SupportSessionRepository extends EntityRepository<SupportSession> {
  /** The tenant's settings (`off` when never set); `lock` holds the row against a concurrent change until the transaction ends. */
  async settings(lock = false): Promise<{ mode: SupportAccessMode; maxMinutes: number }> {
    const [row]: { mode: SupportAccessMode; max_minutes: number }[] = await this.em.execute(
      `select mode, max_minutes from support_access_settings where id = 1${lock ? ' for share' : ''}`,
    );
    return row ? { mode: row.mode, maxMinutes: row.max_minutes } : { mode: 'off', maxMinutes: DEFAULT_SUPPORT_MINUTES };
  }

  /** The settings row, made with the defaults if there is none yet (so a change is an audited update). */
  async settingsRow(): Promise<SupportAccessSettings> {
    await this.em.execute(
      `insert into support_access_settings (id, mode, max_minutes) values (1, 'off', ?) on conflict (id) do nothing`,
      [DEFAULT_SUPPORT_MINUTES],
    );
    return this.em.findOneOrFail(SupportAccessSettings, { id: 1 }, { refresh: true });
  }

  async user(id: string): Promise<SessionUser | null> {
    const [row]: { role: string; token_version: number; active: boolean }[] = await this.em.execute(
      'select role, token_version, active from users where id = ?',
      [id],
    );
    return row ? { role: row.role, tokenVersion: row.token_version, active: row.active } : null;
  }

  /** Sets `fields` when the session is in one of the `from` states; null when it is not (or does not exist). */
  async move(
    where: MoveFrom,
    to: SupportSessionState,
    fields: Partial<Record<keyof typeof COLUMNS, unknown>>,
  ): Promise<SupportSession | null> {
    const sets = Object.entries(fields).map(([field]) => `${COLUMNS[field]} = ?`);
    const [row]: Record<string, unknown>[] = await this.em.execute(
      `update support_sessions set status = ?, ${sets.join(', ')}
        where id = ? and status in (${where.from.map(() => '?').join(', ')}) returning *`,
      [to, ...Object.values(fields), where.id, ...where.from],
    );
    return row ? this.em.map(this.entityName, row) : null;
  }

  /**
   * Starts an approved session: only its own platform user, within the approval window, for an
   * active user, for `minutes` clamped to `maxMinutes`. Returns the session and its user.
   */
  async start(
    id: string,
    platformUserId: string,
    now: Date,
    approvedAfter: Date,
    maxMinutes: number,
  ): Promise<{ session: SupportSession; user: SessionUser } | null> {
    const [row]: Record<string, unknown>[] = await this.em.execute(
      `update support_sessions s
          set status = 'active', started_at = ?::timestamptz,
              expires_at = ?::timestamptz + make_interval(mins => least(s.minutes, ?::int))
         from users u
        where s.id = ? and s.status = 'approved' and s.platform_user_id = ? and s.decided_at > ?::timestamptz
          and u.id = s.user_id and u.active
        returning s.*, u.role as user_role, u.token_version as user_token_version`,
      [now, now, maxMinutes, id, platformUserId, approvedAfter],
    );
    if (!row) return null;
    const { user_role, user_token_version, ...session } = row;
    return {
      session: this.em.map(this.entityName, session),
      user: { role: String(user_role), tokenVersion: Number(user_token_version), active: true },
    };
  }

  /** Where a session stands, to explain a refused move; null when there is no such session. */
  async state(id: string): Promise<SessionState | null> {
    const [row]: {
      status: SupportSessionState;
      platform_user_id: string;
      decided_at: Date | null;
      user_active: boolean | null;
    }[] = await this.em.execute(
      `select s.status, s.platform_user_id, s.decided_at, u.active as user_active
         from support_sessions s left join users u on u.id = s.user_id where s.id = ?`,
      [id],
    );
    return row
      ? {
          status: row.status,
          platformUserId: row.platform_user_id,
          decidedAt: row.decided_at,
          userActive: row.user_active === true,
        }
      : null;
  }

  /** Ends every live session (of one user, or all of them). */
  async endLive(now: Date, reason: string, endedBy: string | null, userId?: string): Promise<SupportSession[]> {
    const rows: Record<string, unknown>[] = await this.em.execute(
      `update support_sessions set status = 'ended', ended_at = ?, ended_by = ?, end_reason = ?
        where status in (${LIVE.map(() => '?').join(', ')})${userId ? ' and user_id = ?' : ''} returning *`,
      [now, endedBy, reason, ...LIVE, ...(userId ? [userId] : [])],
    );
    return rows.map((row) => this.em.map(this.entityName, row));
  }

  /** The users' e-mails, by id. */
  async emails(userIds: string[]): Promise<Map<string, string>> {
    if (!userIds.length) return new Map();
    const rows: { id: string; email: string }[] = await this.em.execute(
      `select id, email from users where id in (${userIds.map(() => '?').join(', ')})`,
      userIds,
    );
    return new Map(rows.map((row) => [row.id, row.email]));
  }
}

export { LIVE as LIVE_SUPPORT_STATES };
