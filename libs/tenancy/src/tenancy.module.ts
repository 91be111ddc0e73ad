import { DynamicModule, Module } from '@nestjs/common';
import { CatalogEvents } from './catalog-events';
import { DatabaseAdmin } from './database-admin';
import { DatabaseServers } from './database-servers';
import { Placement } from './placement';
import { TemplateDatabases } from './template-databases';
import { TenantCache } from './tenant-cache';
import { TenantContext } from './tenant-context';
import { TenantContextInterceptor } from './tenant-context.interceptor';
import { TenantDirectory } from './tenant-directory.service';
import { TenantFleet } from './tenant-fleet.service';
import { TenantLifecycle } from './tenant-lifecycle.service';
import { TenantMigrator } from './tenant-migrator';
import { TenantOnboarding } from './tenant-onboarding.service';
import { TenantOrmFactory } from './tenant-orm.factory';
import { TenantOrmRegistry } from './tenant-orm.registry';
import { TenantProvisioner } from './tenant-provisioner';
import { TenantRateLimiter } from './tenant-rate-limiter';
import { TenantResolver } from './tenant-resolver';
import { TENANT_SCHEMA, TenantSchema } from './tenant-schema';

const exported = [
  CatalogEvents,
  TenantCache,
  TenantLifecycle,
  TenantContext,
  TenantContextInterceptor,
  TenantRateLimiter,
  TenantDirectory,
  TenantResolver,
  TenantOrmRegistry,
  TenantOnboarding,
  TenantProvisioner,
  TenantMigrator,
  TenantFleet,
  DatabaseAdmin,
  DatabaseServers,
];

/** Tenant resolution, the per-tenant ORM registry, the tenant EntityManager, provisioning. */
@Module({})
export class TenancyModule {
  static forRoot(schema: TenantSchema): DynamicModule {
    return {
      module: TenancyModule,
      global: true,
      providers: [
        { provide: TENANT_SCHEMA, useValue: schema },
        { provide: TenantOrmFactory, inject: [TENANT_SCHEMA], useFactory: (s: TenantSchema) => new TenantOrmFactory(s) },
        TemplateDatabases,
        Placement,
        ...exported,
      ],
      exports: exported,
    };
  }
}
