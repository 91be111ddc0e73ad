import { CatalogModule } from '@app/catalog';
import { AppConfig, ConfigModule } from '@app/config';
import { CRM_TENANT_SCHEMA } from '@app/crm';
import { PlatformTenantsModule } from '@app/platform';
import { TenancyModule } from '@app/tenancy';
import { DynamicModule, Module } from '@nestjs/common';

@Module({})
export class CliModule {
  static forRoot(config: AppConfig, catalogUrl: string): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), CatalogModule.forRoot(catalogUrl), TenancyModule.forRoot(CRM_TENANT_SCHEMA), PlatformTenantsModule],
    };
  }
}
