import { AuditModule } from '@app/audit';
import { AuthModule } from '@app/auth';
import { CatalogModule } from '@app/catalog';
import { AppConfig, ConfigModule } from '@app/config';
import { CrmModule } from '@app/crm';
import { EventLogModule, EventsModule } from '@app/events';
import { ExportsModule } from '@app/exports';
import { FleetModule } from '@app/fleet';
import { JobsModule } from '@app/jobs';
import {
  FleetMigrationsModule,
  HealthModule,
  MetricsModule,
  PlansModule,
  PlatformTenantsModule,
  ServersModule,
} from '@app/platform';
import { TenancyModule } from '@app/tenancy';
import { DynamicModule, Module } from '@nestjs/common';
import { TENANT_DATABASE_SCHEMA } from '../../tenant-schema';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, catalogUrl: string): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        CatalogModule.forRoot(catalogUrl),
        JobsModule.forRoot(config),
        TenancyModule.forRoot(TENANT_DATABASE_SCHEMA),
        FleetModule,
        AuthModule,
        AuditModule,
        EventsModule,
        EventLogModule,
        CrmModule,
        ExportsModule,
        PlatformTenantsModule,
        PlansModule,
        ServersModule,
        FleetMigrationsModule,
        HealthModule,
        MetricsModule,
      ],
    };
  }
}
