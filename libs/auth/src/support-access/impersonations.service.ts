import { PlatformUser } from '@app/catalog';
import { NotFoundException, ValidationException } from '@app/common';
import { TenantContext } from '@app/tenancy';
import { type EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ClientInfo } from '../auth-audit';
import type { Principal, TenantRole } from '../roles';
import { TokenService } from '../token.service';
import { RequestImpersonationDto } from './dto/request-impersonation.dto';
import { SupportAccessAudit, type SupportMove } from './support-access-audit';
import { SupportAccessErrors } from './support-access.exception';
import { SupportClock } from './support-clock';
import type { SessionUser } from './support-session.repository';
import { repository } from './support-sessions.service';
import {
  ActiveImpersonation,
  APPROVAL_WINDOW_MS,
  ImpersonationToken,
  PendingImpersonation,
} from './support-session.view';

/** Whole seconds: a token's `exp` and the answer's `expiresAt` are the same instant. */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/**
 * The platform's side of support access, run in the tenant's context (the platform routes enter
 * it): ask to act as a user — started at once when the tenant says `always`, pending a company
 * admin's approval when it says `approval`, refused when `off` — and start an approved session
 * once, within 15 minutes of the approval. The token is an access token only: the user's claims,
 * `act.sub` the platform user, `fam` the session, `exp` at most `maxMinutes` away.
 */
@Injectable()
export class ImpersonationsService {
  constructor(
    private readonly tenancy: TenantContext,
    private readonly tokens: TokenService,
    private readonly audit: SupportAccessAudit,
    private readonly clock: SupportClock,
    private readonly catalog: MikroORM,
  ) {}

  async request(
    actor: Principal,
    dto: RequestImpersonationDto,
    client: ClientInfo,
  ): Promise<ActiveImpersonation | PendingImpersonation> {
    const tenant = this.tenancy.tenant;
    const email = await this.platformEmail(actor.sub);
    const id = randomUUID();
    const now = wholeSeconds(this.clock.now());
    const moves: SupportMove[] = [];
    const started = await this.tenancy.em.transactional(async (tx) => {
      const sessions = repository(tx);
      // Held until commit: a concurrent switch to `off` ends this session too, or waits for it.
      const settings = await sessions.settings(true);
      if (settings.mode === 'off') throw SupportAccessErrors.off();
      if (dto.minutes > settings.maxMinutes)
        throw new ValidationException([
          {
            field: 'minutes',
            message: `minutes must not be greater than the tenant's maxMinutes (${settings.maxMinutes})`,
          },
        ]);
      const user = await sessions.user(dto.userId);
      if (!user) throw new NotFoundException('No such user.');
      if (!user.active) throw SupportAccessErrors.userDeactivated();
      const always = settings.mode === 'always';
      const expiresAt = always ? new Date(now.getTime() + dto.minutes * 60_000) : null;
      await tx.execute(
        `insert into support_sessions (id, platform_user_id, platform_user_email, user_id, reason, minutes, status,
                                       requested_at, decided_at, started_at, expires_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          ...[id, actor.sub, email, dto.userId, dto.reason, dto.minutes, always ? 'active' : 'pending', now],
          ...(always ? [now, now, expiresAt] : [null, null, null]),
        ],
      );
      const base = { tenant: tenant.slug, sessionId: id, actor: { id: actor.sub, role: actor.role } };
      const target = { userId: dto.userId, platformUserId: actor.sub };
      moves.push({
        ...base,
        verb: 'request',
        changes: { ...target, reason: dto.reason, minutes: dto.minutes, mode: settings.mode },
      });
      if (always) moves.push({ ...base, verb: 'start', changes: { ...target, expiresAt: expiresAt!.toISOString() } });
      for (const move of moves) await this.audit.inTenant(tx, move, client);
      return always ? { user, expiresAt: expiresAt! } : null;
    });
    for (const move of moves) await this.audit.onPlatform(move, client);
    if (!started) return { id, status: 'pending' };
    const accessToken = this.issue(actor, id, dto.userId, started.user, now, started.expiresAt);
    return { id, status: 'active', accessToken, expiresAt: started.expiresAt.toISOString() };
  }

  /** Starts an approved session (once, by the platform user who asked, within 15 minutes of the approval). */
  async start(actor: Principal, id: string, client: ClientInfo): Promise<ImpersonationToken> {
    const tenant = this.tenancy.tenant;
    const now = wholeSeconds(this.clock.now());
    const { started, move } = await this.tenancy.em.transactional(async (tx) => {
      const sessions = repository(tx);
      const settings = await sessions.settings(true);
      if (settings.mode === 'off') throw SupportAccessErrors.off();
      const approvedAfter = new Date(now.getTime() - APPROVAL_WINDOW_MS);
      const started = await sessions.start(id, actor.sub, now, approvedAfter, settings.maxMinutes);
      if (!started) throw await this.refusal(tx, actor, id, approvedAfter);
      const expiresAt = new Date(started.session.expiresAt!);
      const move: SupportMove = {
        verb: 'start',
        tenant: tenant.slug,
        sessionId: id,
        actor: { id: actor.sub, role: actor.role },
        changes: { userId: started.session.userId, platformUserId: actor.sub, expiresAt: expiresAt.toISOString() },
      };
      await this.audit.inTenant(tx, move, client);
      return { started: { ...started, expiresAt }, move };
    });
    await this.audit.onPlatform(move, client);
    const { session, user, expiresAt } = started;
    return {
      accessToken: this.issue(actor, id, session.userId, user, now, expiresAt),
      expiresAt: expiresAt.toISOString(),
    };
  }

  private issue(actor: Principal, sessionId: string, userId: string, user: SessionUser, now: Date, expiresAt: Date) {
    return this.tokens.issueSupport({
      sub: userId,
      role: user.role as TenantRole,
      tid: this.tenancy.tenant.slug,
      ver: user.tokenVersion,
      sessionId,
      actor: actor.sub,
      issuedAt: now,
      expiresAt,
    });
  }

  /** Why a start found no approved session of this platform user within the window. */
  private async refusal(tx: EntityManager, actor: Principal, id: string, approvedAfter: Date): Promise<Error> {
    const state = await repository(tx).state(id);
    if (!state) return new NotFoundException('No such support session.');
    if (state.platformUserId !== actor.sub) return SupportAccessErrors.notYours();
    if (state.status !== 'approved') return SupportAccessErrors.state(state.status, 'approved');
    if (!state.decidedAt || new Date(state.decidedAt) <= approvedAfter) return SupportAccessErrors.approvalExpired();
    return SupportAccessErrors.userDeactivated();
  }

  private async platformEmail(id: string): Promise<string> {
    const user = await this.catalog.em.fork().findOne(PlatformUser, { id }, { fields: ['email'] });
    if (!user) throw new NotFoundException('No such platform user.');
    return user.email;
  }
}
