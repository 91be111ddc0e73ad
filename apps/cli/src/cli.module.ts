import { AuditAnchorsModule } from '@app/audit';
import { CatalogModule } from '@app/catalog';
import { AppConfig, ConfigModule } from '@app/config';
import { FleetModule } from '@app/fleet';
import { JobsModule } from '@app/jobs';
import { PlatformTenantsModule } from '@app/platform';
import { TenancyModule } from '@app/tenancy';
import { DynamicModule, Module } from '@nestjs/common';
import { TENANT_DATABASE_SCHEMA } from '../../tenant-schema';

@Module({})
export class CliModule {
  static forRoot(config: AppConfig, catalogUrl: string): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        CatalogModule.forRoot(catalogUrl),
        JobsModule.forRoot(config),
        TenancyModule.forRoot(TENANT_DATABASE_SCHEMA),
        FleetModule,
        PlatformTenantsModule,
        AuditAnchorsModule,
      ],
    };
  }
}
