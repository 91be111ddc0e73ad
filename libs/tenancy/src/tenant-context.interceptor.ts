import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { from, Observable } from 'rxjs';
import type { TenantRequest } from './tenant-request';
import { TenancyErrors } from './tenancy.exception';
import { TenantBudget } from './tenant-budget';
import { TenantOrmRegistry } from './tenant-orm.registry';

/**
 * Runs the handler inside the tenant context the guards resolved: the route's code reaches
 * its tenant's EntityManager through TenantContext. Registered first, so every other
 * interceptor (the audit trail) runs inside it. The request first spends its rate-limit share
 * (TenantBudget): answers carry RateLimit-*, and an empty bucket is a 429 with Retry-After.
 */
@Injectable()
export class TenantContextInterceptor implements NestInterceptor {
  constructor(
    private readonly registry: TenantOrmRegistry,
    private readonly budget: TenantBudget,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<TenantRequest & { user?: { tid?: string } }>();
    const tenant = request.tenant;
    if (!tenant) return next.handle();
    const state = this.budget.spend(request, context.switchToHttp().getResponse<FastifyReply>());
    if (state?.retryAfter) throw TenancyErrors.rateLimited(state.retryAfter);
    return from(this.registry.run(tenant, () => lastValue(next.handle())));
  }
}

function lastValue<T>(source: Observable<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let value: T;
    source.subscribe({ next: (v) => (value = v), error: reject, complete: () => resolve(value) });
  });
}
