import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { from, Observable } from 'rxjs';
import type { TenantRequest } from './tenant-request';
import { TenancyErrors } from './tenancy.exception';
import { RateLimitState, TenantRateLimiter } from './tenant-rate-limiter';
import { TenantOrmRegistry } from './tenant-orm.registry';

/**
 * Runs the handler inside the tenant context the guards resolved: the route's code reaches
 * its tenant's EntityManager through TenantContext. Registered first, so every other
 * interceptor (the audit trail) runs inside it.
 *
 * Rate limits: a signed-in caller (token or API key) spends its tenant's bucket; an anonymous
 * request (the public sign-in and refresh routes) spends a bucket of its client IP and then one
 * of the tenant's sign-ins, never the tenant's own: a flood of anonymous sign-ins naming a
 * tenant cannot starve that tenant's signed-in users. Answers carry RateLimit-Limit,
 * RateLimit-Remaining and RateLimit-Reset; a 429 adds Retry-After.
 */
@Injectable()
export class TenantContextInterceptor implements NestInterceptor {
  constructor(
    private readonly registry: TenantOrmRegistry,
    private readonly limiter: TenantRateLimiter,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<TenantRequest & { user?: unknown }>();
    const tenant = request.tenant;
    if (!tenant) return next.handle();
    const state = request.user
      ? this.limiter.consume(`tenant:${tenant.id}`)
      : this.anonymous(tenant.id, request.ip ?? 'unknown', request.routeOptions.url?.endsWith('/auth/login') ?? false);
    if (state.limit > 0) {
      const reply = context.switchToHttp().getResponse<FastifyReply>();
      void reply.header('RateLimit-Limit', String(state.limit));
      void reply.header('RateLimit-Remaining', String(state.remaining));
      void reply.header('RateLimit-Reset', String(state.reset));
    }
    if (state.retryAfter) throw TenancyErrors.rateLimited(state.retryAfter);
    return from(this.registry.run(tenant, () => lastValue(next.handle())));
  }

  /**
   * The client IP's bucket first, so one noisy IP does not use up the tenant's sign-ins; sign-in
   * then also spends the tenant's sign-in bucket. Refreshing holds a session already: per IP
   * only, so a flood of sign-ins naming the tenant never stops its users' refreshes.
   */
  private anonymous(tenantId: string, ip: string, signIn: boolean): RateLimitState {
    const perIp = this.limiter.consume(`anonymous-ip:${ip}`);
    if (perIp.retryAfter || !signIn) return perIp;
    const perTenant = this.limiter.consume(`anonymous-tenant:${tenantId}`);
    return perTenant.retryAfter || perTenant.remaining < perIp.remaining ? perTenant : perIp;
  }
}

function lastValue<T>(source: Observable<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let value: T;
    source.subscribe({ next: (v) => (value = v), error: reject, complete: () => resolve(value) });
  });
}
