import type { CallHandler, ExecutionContext } from '@nestjs/common';
import type { MikroORM } from '@mikro-orm/postgresql';
import { lastValueFrom, Observable, of, Subject, throwError } from 'rxjs';
import type { Lease } from './pool-registry';
import type { ResolvedTenant } from './resolved-tenant';
import type { TenantBudget } from './tenant-budget';
import { TenantContext } from './tenant-context';
import { TenantContextInterceptor } from './tenant-context.interceptor';
import type { TenantOrmRegistry } from './tenant-orm.registry';
import type { RateLimitState } from './tenant-rate-limiter';
import type { PlanFeature } from '@app/catalog';
import { Reflector } from '@nestjs/core';
import { PlanBook, toPlanRules } from './plan-book';
import { PlanFeatureRoute } from './plan-feature.decorator';
import { QUOTA_EXCEEDED_SQLSTATE } from './plan-quota';

const acme = { id: 'id-acme', slug: 'acme', dbServer: 'main', dbName: 'tenant_acme' } as ResolvedTenant;
const orm = { name: 'acme-orm' } as unknown as MikroORM;
const ALLOWED: RateLimitState = { retryAfter: 0, limit: 10, remaining: 9, reset: 1 };

class LeadsRoutes {
  list(): void {}
  @PlanFeatureRoute('exports')
  export(): void {}
}

function httpContext(tenant?: ResolvedTenant, handler: keyof LeadsRoutes = 'list'): ExecutionContext {
  const request = { tenant, user: { tid: tenant?.slug } };
  return {
    getType: () => 'http',
    getHandler: () => LeadsRoutes.prototype[handler],
    getClass: () => LeadsRoutes,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

function setup(options: {
  connected: boolean;
  spent?: RateLimitState | Promise<RateLimitState>;
  features?: PlanFeature[];
}) {
  const released = { count: 0 };
  const lease = (): Lease<MikroORM> => ({ value: orm, release: () => released.count++ });
  const context = new TenantContext();
  const registry = {
    tryAcquire: jest.fn(() => (options.connected ? lease() : undefined)),
    run: jest.fn(async <T>(tenant: ResolvedTenant, fn: () => Promise<T>) => {
      const held = lease();
      try {
        return await context.run(tenant, held.value, fn);
      } finally {
        held.release();
      }
    }),
  };
  const budget = { spend: jest.fn(() => options.spent ?? ALLOWED) };
  const interceptor = new TenantContextInterceptor(
    registry as unknown as TenantOrmRegistry,
    budget as unknown as TenantBudget,
    context,
    {
      rules: () => toPlanRules({ code: 'p', version: 1, limits: {}, features: options.features ?? [] }),
      requireFeature: PlanBook.prototype.requireFeature,
    } as unknown as PlanBook,
    new Reflector(),
  );
  return { interceptor, registry, budget, context, released };
}

/** A handler that reports the tenant it ran under. */
const reportsTenant = (context: TenantContext): CallHandler => ({
  handle: () => new Observable((s) => (s.next(context.tenant.slug), s.complete())),
});

describe('TenantContextInterceptor', () => {
  it.each([true, false])(
    'runs the handler inside its tenant context and releases the pool once answered (connected %s)',
    async (connected) => {
      const { interceptor, context, released, registry } = setup({ connected });
      const answer = interceptor.intercept(httpContext(acme), reportsTenant(context));
      await expect(lastValueFrom(answer)).resolves.toBe('acme');
      expect(released.count).toBe(1);
      expect(registry.run).toHaveBeenCalledTimes(connected ? 0 : 1);
    },
  );

  it('holds the pool until the handler settles, even when the client went away', () => {
    const { interceptor, released } = setup({ connected: true });
    const answer = new Subject<string>();
    const subscription = interceptor.intercept(httpContext(acme), { handle: () => answer }).subscribe();
    subscription.unsubscribe();
    expect(released.count).toBe(0);
    answer.next('late');
    answer.complete();
    expect(released.count).toBe(1);
  });

  it('releases the pool when the handler fails, and passes the error on', async () => {
    const { interceptor, released } = setup({ connected: true });
    const failure = new Error('boom');
    const answer = interceptor.intercept(httpContext(acme), { handle: () => throwError(() => failure) });
    await expect(lastValueFrom(answer)).rejects.toBe(failure);
    expect(released.count).toBe(1);
  });

  it.each([
    ['in this process', { retryAfter: 3, limit: 1, remaining: 0, reset: 3 }],
    ['on Redis', Promise.resolve({ retryAfter: 3, limit: 1, remaining: 0, reset: 3 })],
  ])('answers 429 with Retry-After when the budget %s is spent, without leasing a pool', async (_where, spent) => {
    const { interceptor, registry } = setup({ connected: true, spent });
    const handle = jest.fn(() => of('never'));
    const answer = interceptor.intercept(httpContext(acme), { handle });
    await expect(lastValueFrom(answer)).rejects.toMatchObject({ status: 429 });
    expect(handle).not.toHaveBeenCalled();
    expect(registry.tryAcquire).not.toHaveBeenCalled();
  });

  it('serves a request the shared budget allows inside its tenant context', async () => {
    const { interceptor, context } = setup({ connected: true, spent: Promise.resolve(ALLOWED) });
    await expect(lastValueFrom(interceptor.intercept(httpContext(acme), reportsTenant(context)))).resolves.toBe('acme');
  });

  it('leaves a request without a tenant outside any tenant context', async () => {
    const { interceptor, context, budget } = setup({ connected: true });
    const handle = () => of(context.active);
    await expect(lastValueFrom(interceptor.intercept(httpContext(undefined), { handle }))).resolves.toBe(false);
    expect(budget.spend).not.toHaveBeenCalled();
  });
  it('refuses a route of a feature the plan lacks with 403 feature-not-in-plan, before the handler runs', async () => {
    const { interceptor, context, registry } = setup({ connected: true, features: [] });
    const answer = interceptor.intercept(httpContext(acme, 'export'), reportsTenant(context));
    await expect(lastValueFrom(answer)).rejects.toMatchObject({ status: 403, code: 'feature-not-in-plan' });
    expect(registry.tryAcquire).not.toHaveBeenCalled();
  });

  it('serves a route of a feature the plan has', async () => {
    const { interceptor, context } = setup({ connected: true, features: ['exports'] });
    const answer = interceptor.intercept(httpContext(acme, 'export'), reportsTenant(context));
    await expect(lastValueFrom(answer)).resolves.toBe('acme');
  });

  it("turns the usage trigger's refusal into 403 quota-exceeded with limit and used", async () => {
    const { interceptor } = setup({ connected: true });
    const refusal = Object.assign(new Error('quota exceeded: leads'), {
      code: QUOTA_EXCEEDED_SQLSTATE,
      detail: JSON.stringify({ resource: 'leads', limit: 5, used: 5 }),
    });
    const answer = interceptor.intercept(httpContext(acme), { handle: () => throwError(() => refusal) });
    await expect(lastValueFrom(answer)).rejects.toMatchObject({
      status: 403,
      code: 'quota-exceeded',
      extensions: { resource: 'leads', limit: 5, used: 5 },
    });
  });
});
