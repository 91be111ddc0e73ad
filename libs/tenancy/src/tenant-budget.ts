import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PlanBook, PlanRules } from './plan-book';
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
  constructor(
    private readonly limiter: TenantRateLimiter,
    private readonly plans: PlanBook,
  ) {}

  /**
   * The request's spend, headers set on `reply`; `retryAfter` > 0 means it must be a 429.
   * Synchronous when no Redis takes part (the limit is off, or the buckets are this process's).
   */
  spend(request: BudgetRequest, reply: FastifyReply): RateLimitState | undefined | Promise<RateLimitState | undefined> {
    const tenant = request.tenant;
    if (!tenant) return undefined;
    if (!request.user) {
      const signIn = request.routeOptions.url?.endsWith('/auth/login') ?? false;
      return this.anonymous(tenant.id, request.ip ?? 'unknown', signIn).then((state) => announce(state, reply));
    }
    const rules = this.plans.rules(tenant.plan);
    if (rules instanceof Promise) return rules.then((loaded) => this.spendSigned(tenant.id, loaded, reply));
    return this.spendSigned(tenant.id, rules, reply);
  }

  /** The tenant's bucket, at its plan's rate (`requestsPerSecond`; else TENANT_RATE_LIMIT_RPS). */
  private spendSigned(
    tenantId: string,
    rules: PlanRules,
    reply: FastifyReply,
  ): RateLimitState | Promise<RateLimitState> {
    const key = `tenant:${tenantId}`;
    const rate = rules.limits.requestsPerSecond;
    const here = this.limiter.consumeHere(key, rate);
    if (here) return announce(here, reply);
    return this.limiter.consume(key, rate).then((state) => announce(state, reply));
  }

  /**
   * A signed-in request refused after its caller and tenant were known (a role or scope it
   * lacks): it counts against its own tenant's budget like any other request, so a flood of
   * refused calls is limited too, and its answer carries the headers. A caller of another
   * tenant (a token naming A sent with B's header) spends nothing of B's.
   */
  async spendRefused(request: BudgetRequest, reply: FastifyReply): Promise<void> {
    if (request.user && request.tenant && request.user.tid === request.tenant.slug) await this.spend(request, reply);
  }

  /**
   * The client IP's bucket first, so one noisy IP does not use up the tenant's sign-ins; sign-in
   * then also spends the tenant's sign-in bucket. Refreshing holds a session already: per IP
   * only, so a flood of sign-ins naming the tenant never stops its users' refreshes.
   */
  private async anonymous(tenantId: string, ip: string, signIn: boolean): Promise<RateLimitState> {
    const perIp = await this.limiter.consume(`anonymous-ip:${ip}`);
    if (perIp.retryAfter || !signIn) return perIp;
    const perTenant = await this.limiter.consume(`anonymous-tenant:${tenantId}`);
    return perTenant.retryAfter || perTenant.remaining < perIp.remaining ? perTenant : perIp;
  }
}

/** Sets the RateLimit-* headers of a spend (none while the limit is off). */
function announce(state: RateLimitState, reply: FastifyReply): RateLimitState {
  if (state.limit > 0) {
    void reply.header('RateLimit-Limit', String(state.limit));
    void reply.header('RateLimit-Remaining', String(state.remaining));
    void reply.header('RateLimit-Reset', String(state.reset));
  }
  return state;
}
