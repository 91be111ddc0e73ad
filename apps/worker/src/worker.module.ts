import { AuditAnchorsModule } from '@app/audit';
import { CatalogModule } from '@app/catalog';
import { AppConfig, ConfigModule } from '@app/config';
import { CRM_TENANT_SCHEMA } from '@app/crm';
import { JobsModule } from '@app/jobs';
import { TenancyModule } from '@app/tenancy';
import { DynamicModule, Module } from '@nestjs/common';

/** The job process: the same tenancy machinery as the API, without HTTP. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, catalogUrl: string): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), CatalogModule.forRoot(catalogUrl), JobsModule.forRoot(config), TenancyModule.forRoot(CRM_TENANT_SCHEMA), AuditAnchorsModule],
    };
  }
}
