import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { from, Observable } from 'rxjs';
import type { TenantRequest } from './tenant-request';
import { TenancyErrors } from './tenancy.exception';
import { TenantRateLimiter } from './tenant-rate-limiter';
import { TenantOrmRegistry } from './tenant-orm.registry';

/**
 * Runs the handler inside the tenant context the guards resolved: the route's code reaches
 * its tenant's EntityManager through TenantContext. Registered first, so every other
 * interceptor (the audit trail) runs inside it.
 */
@Injectable()
export class TenantContextInterceptor implements NestInterceptor {
  constructor(
    private readonly registry: TenantOrmRegistry,
    private readonly limiter: TenantRateLimiter,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const tenant = context.switchToHttp().getRequest<TenantRequest>().tenant;
    if (!tenant) return next.handle();
    const wait = this.limiter.take(tenant.id);
    if (wait) throw TenancyErrors.rateLimited(wait);
    return from(this.registry.run(tenant, () => lastValue(next.handle())));
  }
}

function lastValue<T>(source: Observable<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let value: T;
    source.subscribe({ next: (v) => (value = v), error: reject, complete: () => resolve(value) });
  });
}
