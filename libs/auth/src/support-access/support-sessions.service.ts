import { NotFoundException, Page, pageOf, pageWindow, parseSort } from '@app/common';
import { type ResolvedTenant, TenantContext } from '@app/tenancy';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { ClientInfo } from '../auth-audit';
import { LiveSessions } from '../live-sessions';
import type { Principal } from '../roles';
import { ListSupportSessionsQuery } from './dto/list-support-sessions.query';
import { SupportAccessAudit, type SupportMove } from './support-access-audit';
import { SupportAccessErrors } from './support-access.exception';
import { SupportClock } from './support-clock';
import { SupportSession, type SupportSessionState } from './support-session.entity';
import { LIVE_SUPPORT_STATES, type SupportSessionRepository } from './support-session.repository';
import { SupportSessionView, toSupportSessionView } from './support-session.view';

/** No network details: a move the system made inside another change (a user deactivated). */
const NO_CLIENT: ClientInfo = { ip: null, userAgent: null, requestId: null };

/** Sessions ended together, to revoke and record once their transaction committed. */
export interface EndedSessions {
  tenant: ResolvedTenant;
  sessions: SupportSession[];
  actor: SupportMove['actor'];
  reason: string;
}

/**
 * The tenant's side of support access: its company admins see every request and session, approve
 * or deny a request, and end a session at once (its token fails on the next request on every API
 * instance: the session is the token's family, revoked through the shared cache).
 */
@Injectable()
export class SupportSessionsService {
  constructor(
    private readonly tenancy: TenantContext,
    private readonly sessions: LiveSessions,
    private readonly audit: SupportAccessAudit,
    private readonly clock: SupportClock,
  ) {}

  async list(query: ListSupportSessionsQuery): Promise<Page<SupportSessionView>> {
    const sort = parseSort(query.sort, { field: 'requestedAt', direction: 'desc' });
    const em = this.tenancy.em;
    const found = await em.findAndCount(
      SupportSession,
      {},
      { orderBy: [{ [sort.field]: sort.direction }, { id: 'asc' }], ...pageWindow(query) },
    );
    const emails = await em.getRepository(SupportSession).emails([...new Set(found[0].map((s) => s.userId))]);
    const now = this.clock.now();
    return pageOf(query, found, (session) => toSupportSessionView(session, emails.get(session.userId) ?? null, now));
  }

  async get(id: string): Promise<SupportSessionView> {
    const em = this.tenancy.em;
    const session = await em.findOne(SupportSession, { id });
    if (!session) throw new NotFoundException('No such support session.');
    const emails = await em.getRepository(SupportSession).emails([session.userId]);
    return toSupportSessionView(session, emails.get(session.userId) ?? null, this.clock.now());
  }

  async approve(admin: Principal, id: string, client: ClientInfo): Promise<SupportSessionView> {
    return this.decide(admin, id, 'approved', client);
  }

  async deny(admin: Principal, id: string, client: ClientInfo): Promise<SupportSessionView> {
    return this.decide(admin, id, 'denied', client);
  }

  /** Ends a request or a session now (pending, approved or active); its token fails from the next request on. */
  async end(admin: Principal, id: string, client: ClientInfo): Promise<void> {
    const tenant = this.tenancy.tenant;
    const actor = { id: admin.sub, role: admin.role };
    const session = await this.tenancy.em.transactional(async (tx) => {
      const ended = await repository(tx).move({ id, from: LIVE_SUPPORT_STATES }, 'ended', {
        endedAt: this.clock.now(),
        endedBy: admin.sub,
        endReason: 'revoked',
      });
      if (!ended) throw await this.refusal(tx, id, 'live');
      await this.audit.inTenant(tx, endMove(tenant, ended, actor, 'revoked'), client);
      return ended;
    });
    await this.ended({ tenant, sessions: [session], actor, reason: 'revoked' }, client);
  }

  /**
   * The support agent signs out of a session: it ends like a revoked one, by the platform user, so
   * the tenant's list no longer shows it active. A session already ended (or expired) stays as it is.
   */
  async signedOut(principal: Principal, client: ClientInfo): Promise<void> {
    if (!principal.act || !principal.fam) return;
    const tenant = this.tenancy.tenant;
    const actor = { id: principal.act.sub, role: 'super_admin' };
    const sessionId = principal.fam;
    const session = await this.tenancy.em.transactional(async (tx) => {
      const ended = await repository(tx).move({ id: sessionId, from: ['active'] }, 'ended', {
        endedAt: this.clock.now(),
        endedBy: principal.act?.sub ?? null,
        endReason: 'signed-out',
      });
      if (ended) await this.audit.inTenant(tx, endMove(tenant, ended, actor, 'signed-out'), client);
      return ended;
    });
    if (session) await this.ended({ tenant, sessions: [session], actor, reason: 'signed-out' }, client);
    else await this.sessions.familyRevoked(tenant.id, sessionId);
  }

  /**
   * Ends every live session (of one user, or all), inside the caller's transaction, each with its
   * tenant audit entry; `ended` must follow the commit.
   */
  async endLive(
    tx: EntityManager,
    reason: 'user-deactivated' | 'support-access-off',
    actor: SupportMove['actor'],
    userId?: string,
  ): Promise<EndedSessions> {
    const tenant = this.tenancy.tenant;
    const endedBy = actor.role === 'system' ? null : actor.id;
    const sessions = await repository(tx).endLive(this.clock.now(), reason, endedBy, userId);
    for (const session of sessions) await this.audit.inTenant(tx, endMove(tenant, session, actor, reason), NO_CLIENT);
    return { tenant, sessions, actor, reason };
  }

  /** After the commit: the sessions' tokens fail on every instance, and the platform trail records each end. */
  async ended(ended: EndedSessions, client: ClientInfo = NO_CLIENT): Promise<void> {
    for (const session of ended.sessions) {
      await this.sessions.familyRevoked(ended.tenant.id, session.id, session.expiresAt ?? undefined);
      await this.audit.onPlatform(endMove(ended.tenant, session, ended.actor, ended.reason), client);
    }
  }

  private async decide(
    admin: Principal,
    id: string,
    to: 'approved' | 'denied',
    client: ClientInfo,
  ): Promise<SupportSessionView> {
    const tenant = this.tenancy.tenant;
    const now = this.clock.now();
    const verb = to === 'approved' ? 'approve' : 'deny';
    const move = await this.tenancy.em.transactional(async (tx) => {
      const session = await repository(tx).move({ id, from: ['pending'] }, to, {
        decidedAt: now,
        decidedBy: admin.sub,
      });
      if (!session) throw await this.refusal(tx, id, 'pending');
      const decided: SupportMove = {
        verb,
        tenant: tenant.slug,
        sessionId: id,
        actor: { id: admin.sub, role: admin.role },
        changes: { userId: session.userId, platformUserId: session.platformUserId, status: to },
      };
      await this.audit.inTenant(tx, decided, client);
      return { session, decided };
    });
    await this.audit.onPlatform(move.decided, client);
    const emails = await this.tenancy.em.getRepository(SupportSession).emails([move.session.userId]);
    return toSupportSessionView(move.session, emails.get(move.session.userId) ?? null, now);
  }

  /** Why a move found no session in the state it needs: unknown (404) or in another state (409). */
  private async refusal(tx: EntityManager, id: string, wanted: string): Promise<Error> {
    const state = await repository(tx).state(id);
    if (!state) return new NotFoundException('No such support session.');
    return SupportAccessErrors.state(state.status, wanted);
  }
}

export function repository(em: EntityManager): SupportSessionRepository {
  return em.getRepository(SupportSession);
}

function endMove(
  tenant: ResolvedTenant,
  session: SupportSession,
  actor: SupportMove['actor'],
  reason: string,
): SupportMove {
  const status: SupportSessionState = 'ended';
  return {
    verb: 'end',
    tenant: tenant.slug,
    sessionId: session.id,
    actor,
    changes: { userId: session.userId, platformUserId: session.platformUserId, status, reason },
  };
}
