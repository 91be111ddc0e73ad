import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { from, mergeMap, Observable, throwError } from 'rxjs';
import type { PlanFeature } from '@app/catalog';
import { Reflector } from '@nestjs/core';
import { PlanBook } from './plan-book';
import { PLAN_FEATURE } from './plan-feature.decorator';
import { quotaProblemOf } from './plan-quota';
import type { ResolvedTenant } from './resolved-tenant';
import type { TenantRequest } from './tenant-request';
import { TenancyErrors } from './tenancy.exception';
import { TenantBudget } from './tenant-budget';
import { TenantContext } from './tenant-context';
import type { RateLimitState } from './tenant-rate-limiter';
import { TenantOrmRegistry } from './tenant-orm.registry';

/**
 * Runs the handler inside the tenant context the guards resolved: the route's code reaches
 * its tenant's EntityManager through TenantContext. Registered first, so every other
 * interceptor (the audit trail) runs inside it. The request first spends its rate-limit share
 * (TenantBudget): answers carry RateLimit-*, and an empty bucket is a 429 with Retry-After.
 *
 * The tenant's pool is held until the handler's answer settles, even if the client went away.
 * A busy tenant's request (budget in this process, pool connected) is served without a
 * promise of its own: every promise costs the tenant context's async hooks.
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

@Injectable()
export class TenantContextInterceptor implements NestInterceptor {
  constructor(
    private readonly registry: TenantOrmRegistry,
    private readonly budget: TenantBudget,
    private readonly context: TenantContext,
    private readonly plans: PlanBook,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<TenantRequest & { user?: { tid?: string } }>();
    const tenant = request.tenant;
    if (!tenant) return next.handle();
    // The fast path of a relocation's write freeze; the database refuses them anyway (a read-only role).
    if (tenant.writesFrozen && !SAFE_METHODS.has(request.method)) return throwError(() => TenancyErrors.relocating());
    const feature = this.reflector.getAllAndOverride<PlanFeature | undefined>(PLAN_FEATURE, [
      context.getHandler(),
      context.getClass(),
    ]);
    const spent = this.budget.spend(request, context.switchToHttp().getResponse<FastifyReply>());
    if (spent instanceof Promise)
      return from(spent).pipe(mergeMap((state) => this.serve(tenant, state, feature, next)));
    return this.serve(tenant, spent, feature, next);
  }

  private serve(
    tenant: ResolvedTenant,
    state: RateLimitState | undefined,
    feature: PlanFeature | undefined,
    next: CallHandler,
  ): Observable<unknown> {
    if (state?.retryAfter) return throwError(() => TenancyErrors.rateLimited(state.retryAfter));
    let required: void | Promise<void>;
    try {
      required = feature && this.plans.requireFeature(tenant.plan, feature);
    } catch (error) {
      return throwError(() => error);
    }
    if (required instanceof Promise) return from(required).pipe(mergeMap(() => this.handle(tenant, next)));
    return this.handle(tenant, next);
  }

  private handle(tenant: ResolvedTenant, next: CallHandler): Observable<unknown> {
    return new Observable((subscriber) => {
      const lease = this.registry.tryAcquire(tenant);
      if (!lease)
        return from(this.registry.run(tenant, () => lastValue(next.handle()))).subscribe({
          next: (v) => subscriber.next(v),
          error: (error: unknown) => subscriber.error(quotaProblemOf(error) ?? error),
          complete: () => subscriber.complete(),
        });
      let value: unknown;
      // Not unsubscribed when the client goes away: the lease is released when the handler settles.
      this.context.run(tenant, lease.value, () =>
        next.handle().subscribe({
          next: (v) => (value = v),
          error: (error: unknown) => {
            lease.release();
            subscriber.error(quotaProblemOf(error) ?? error);
          },
          complete: () => {
            lease.release();
            subscriber.next(value);
            subscriber.complete();
          },
        }),
      );
      return undefined;
    });
  }
}

function lastValue<T>(source: Observable<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let value: T;
    source.subscribe({ next: (v) => (value = v), error: reject, complete: () => resolve(value) });
  });
}
