import { appendPlatformAudit } from '@app/catalog';
import { AuthAudit, type Principal } from '@app/auth';
import { describeError, normalizeEmail, storableText } from '@app/common';
import { TenantContext, TenantOrmRegistry, TenantRequest } from '@app/tenancy';
import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { auditAction, entityOfAction, MUTATING_METHODS } from './audit-action';
import { auditContext } from './audit-context';
import { AuditLog, AuditOutcome } from './audit-log.entity';
import { draftFor } from './audit.interceptor';

type AuditedRequest = TenantRequest & { user?: Principal; hiddenRecord?: boolean; body?: unknown; params?: unknown };

function outcomeOf(status: number, request: AuditedRequest): AuditOutcome {
  return status === 403 || (status === 404 && request.hiddenRecord) ? 'denied' : 'failed';
}

function idParam(request: AuditedRequest): string | null {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const id = params.id ?? params.slug;
  return typeof id === 'string' ? storableText(id.slice(0, 100)) : null;
}

/**
 * Records what the flush subscriber cannot see: refused and failed mutating requests (in the
 * tenant's own trail) and platform actions (in the catalog). Runs before the answer is sent,
 * so a client never sees an answer whose audit entry is still to be written.
 */
@Injectable()
export class AuditRecorder {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly registry: TenantOrmRegistry,
    private readonly tenancy: TenantContext,
    private readonly catalog: MikroORM,
    authAudit: AuthAudit,
  ) {
    // Sign-in entries are written by auth (below this lib): their trails are anchored like any other.
    authAudit.onWritten((database) => auditContext.markGrown(database));
  }

  /** Whether `onSend` may write an entry for this request (mutations only, with the trail on). */
  records(request: Pick<AuditedRequest, 'method'>): boolean {
    return MUTATING_METHODS.has(request.method) && auditContext.enabled;
  }

  async onSend(request: AuditedRequest, reply: FastifyReply): Promise<void> {
    if (!this.records(request)) return;
    const status = reply.statusCode;
    const url = request.routeOptions.url ?? request.url;
    try {
      if (url.startsWith('/api/v1/platform/')) {
        if (status !== 429) await this.platform(request, status, url);
      }
      // Only attempts by a known caller, and never throttling or outages: an anonymous or
      // rate-limited flood must not turn into a flood of writes.
      else if (request.tenant && request.user && status >= 400 && ![401, 429, 503].includes(status))
        await this.tenantAttempt(request, status);
    } catch (error) {
      this.logger.error(`could not write an audit entry for request ${request.id}: ${describeError(error)}`);
    }
  }

  private async tenantAttempt(request: AuditedRequest, status: number): Promise<void> {
    const draft = draftFor(request);
    const tenant = request.tenant!;
    await this.registry.run(tenant, async () => {
      const em = this.tenancy.em;
      em.create(AuditLog, {
        tenant: draft.tenant,
        actorId: draft.actorId,
        actorRole: draft.actorRole,
        impersonatorId: draft.impersonatorId ?? null,
        action: draft.action,
        entity: entityOfAction(draft.action),
        entityId: idParam(request),
        changes: { status },
        outcome: outcomeOf(status, request),
        ip: draft.ip,
        userAgent: draft.userAgent,
        requestId: draft.requestId,
      });
      await em.flush();
    });
  }

  private async platform(request: AuditedRequest, status: number, url: string): Promise<void> {
    const action = auditAction(request.method, url);
    const body = (request.body ?? {}) as Record<string, unknown>;
    // What a refused request carried is recorded as best it can be: NUL or a lone surrogate must not lose the entry.
    const slug = idParam(request) ?? (typeof body.slug === 'string' ? storableText(body.slug.slice(0, 40)) : null);
    const email = typeof body.email === 'string' ? storableText(normalizeEmail(body.email.slice(0, 254))) : null;
    const actor = request.user?.sub ?? (email ? `email:${email}` : null);
    const outcome: AuditOutcome = status < 400 ? 'success' : status === 401 || status === 403 ? 'denied' : 'failed';
    const userAgent = request.headers['user-agent'];
    await appendPlatformAudit(this.catalog.em, {
      actorId: actor,
      actorRole: request.user?.role ?? null,
      action,
      entity: entityOfAction(action),
      entityId: action.startsWith('platform.tenant.') ? slug : null,
      changes: { status },
      outcome,
      ip: request.ip ?? null,
      userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 500) : null,
      requestId: String(request.id),
    });
  }
}
