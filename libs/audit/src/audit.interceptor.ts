import type { KeyedRequest } from '@app/auth';
import type { TenantRequest } from '@app/tenancy';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { AuditDraft, auditContext } from './audit-context';
import { auditAction, MUTATING_METHODS } from './audit-action';

type AuditedRequest = TenantRequest & Pick<KeyedRequest, 'user' | 'idempotencyCommit'>;

export function draftFor(request: AuditedRequest): AuditDraft {
  const userAgent = request.headers['user-agent'];
  return {
    tenant: request.tenant!.slug,
    actorId: request.user?.apiKey ? `api-key:${request.user.apiKey.id}` : (request.user?.sub ?? null),
    actorRole: request.user?.apiKey ? 'api_key' : (request.user?.role ?? null),
    impersonatorId: request.user?.act?.sub ?? null,
    action: auditAction(request.method, request.routeOptions.url ?? request.url),
    ip: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 500) : null,
    requestId: String(request.id),
    written: false,
    ...(request.idempotencyCommit ? { idempotency: { ...request.idempotencyCommit } } : {}),
  };
}

/**
 * Opens the audit record of every mutating tenant request: who, what, from where. The flush
 * subscriber turns it into entries inside the change's own transaction. Registered after the
 * tenant context interceptor, so it runs inside the tenant's context.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<AuditedRequest>();
    if (!request.tenant || !MUTATING_METHODS.has(request.method)) return next.handle();
    const draft = draftFor(request);
    return new Observable((subscriber) => auditContext.run(draft, () => next.handle().subscribe(subscriber)));
  }
}
