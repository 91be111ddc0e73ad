import { AuditModule } from '@app/audit';
import { AuthModule } from '@app/auth';
import { CatalogModule } from '@app/catalog';
import { AppConfig, ConfigModule } from '@app/config';
import { CRM_TENANT_SCHEMA, CrmModule } from '@app/crm';
import { JobsModule } from '@app/jobs';
import { HealthModule, MetricsModule, PlatformTenantsModule } from '@app/platform';
import { TenancyModule } from '@app/tenancy';
import { DynamicModule, Module } from '@nestjs/common';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, catalogUrl: string): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        CatalogModule.forRoot(catalogUrl),
        JobsModule.forRoot(config),
        TenancyModule.forRoot(CRM_TENANT_SCHEMA),
        AuthModule,
        AuditModule,
        CrmModule,
        PlatformTenantsModule,
        HealthModule,
        MetricsModule,
      ],
    };
  }
}
