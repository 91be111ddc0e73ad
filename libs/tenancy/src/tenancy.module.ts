import { DynamicModule, Module } from '@nestjs/common';
import { CatalogEvents } from './catalog-events';
import { PlanBook } from './plan-book';
import { PlanQuotaSubscriber } from './plan-quota';
import { ServerAddresses } from './server-addresses';
import { TenantBudget } from './tenant-budget';
import { TenantCache } from './tenant-cache';
import { TenantContext } from './tenant-context';
import { TenantContextInterceptor } from './tenant-context.interceptor';
import { TenantDirectory } from './tenant-directory.service';
import { TenantOrmFactory } from './tenant-orm.factory';
import { TenantOrmRegistry } from './tenant-orm.registry';
import { TenantRateLimiter } from './tenant-rate-limiter';
import { TenantResolver } from './tenant-resolver';
import { TENANT_SCHEMA, TenantSchema } from './tenant-schema';

/** What other libs use (fleet builds tenant databases with the ORM factory and the schema). */
const exported = [
  TENANT_SCHEMA,
  PlanBook,
  TenantOrmFactory,
  CatalogEvents,
  TenantBudget,
  TenantCache,
  TenantContext,
  TenantContextInterceptor,
  TenantDirectory,
  TenantResolver,
  TenantOrmRegistry,
];

/**
 * The tenant runtime: resolve a request's tenant, the per-tenant ORM registry inside the
 * connection budget, the tenant EntityManager (TenantContext), tenant caches, rate limits.
 * The servers' capacity (ServerCapacity) comes from `fleet`, which holds the admin credentials.
 */
@Module({})
export class TenancyModule {
  static forRoot(schema: TenantSchema): DynamicModule {
    return {
      module: TenancyModule,
      global: true,
      providers: [
        { provide: TENANT_SCHEMA, useValue: schema },
        {
          provide: TenantOrmFactory,
          inject: [TENANT_SCHEMA, TenantContext, PlanBook],
          useFactory: (s: TenantSchema, context: TenantContext, plans: PlanBook) =>
            new TenantOrmFactory(s, [new PlanQuotaSubscriber(context, plans)]),
        },
        ServerAddresses,
        PlanBook,
        TenantRateLimiter,
        TenantBudget,
        CatalogEvents,
        TenantCache,
        TenantContext,
        TenantContextInterceptor,
        TenantDirectory,
        TenantResolver,
        TenantOrmRegistry,
      ],
      exports: exported,
    };
  }
}
