import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { TenantRequest } from './tenant-request';
import { RateLimitState, TenantRateLimiter } from './tenant-rate-limiter';

/** The caller as the budget sees it: who signed in, and for which tenant. */
type BudgetRequest = TenantRequest & { user?: { tid?: string } };

/**
 * Spends a request's share of the rate limits and says so in the RateLimit-* headers.
 *
 * A signed-in caller (token or API key) spends its tenant's bucket; an anonymous request (the
 * public sign-in and refresh routes) spends a bucket of its client IP and then one of the
 * tenant's sign-ins, never the tenant's own: a flood of anonymous sign-ins naming a tenant cannot
 * starve that tenant's signed-in users.
 */
@Injectable()
export class TenantBudget {
  constructor(private readonly limiter: TenantRateLimiter) {}

  /** The request's spend, headers set on `reply`; `retryAfter` > 0 means it must be a 429. */
  spend(request: BudgetRequest, reply: FastifyReply): RateLimitState | undefined {
    const tenant = request.tenant;
    if (!tenant) return undefined;
    const state = request.user
      ? this.limiter.consume(`tenant:${tenant.id}`)
      : this.anonymous(tenant.id, request.ip ?? 'unknown', request.routeOptions.url?.endsWith('/auth/login') ?? false);
    if (state.limit > 0) {
      void reply.header('RateLimit-Limit', String(state.limit));
      void reply.header('RateLimit-Remaining', String(state.remaining));
      void reply.header('RateLimit-Reset', String(state.reset));
    }
    return state;
  }

  /**
   * A signed-in request refused after its caller and tenant were known (a role or scope it
   * lacks): it counts against its own tenant's budget like any other request, so a flood of
   * refused calls is limited too, and its answer carries the headers. A caller of another
   * tenant (a token naming A sent with B's header) spends nothing of B's.
   */
  spendRefused(request: BudgetRequest, reply: FastifyReply): void {
    if (request.user && request.tenant && request.user.tid === request.tenant.slug) this.spend(request, reply);
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
