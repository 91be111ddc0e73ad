import { AuditAnchorsModule } from '@app/audit';
import { CatalogModule } from '@app/catalog';
import { AppConfig, ConfigModule } from '@app/config';
import { AnalyticsModule, CustomFieldsModule } from '@app/crm';
import { EventsModule } from '@app/events';
import { ExportsModule } from '@app/exports';
import { FleetModule } from '@app/fleet';
import { JobsModule } from '@app/jobs';
import { TenancyModule } from '@app/tenancy';
import { DynamicModule, Module } from '@nestjs/common';
import { TENANT_DATABASE_SCHEMA } from '../../tenant-schema';

/**
 * The job process: the same tenancy machinery as the API, without HTTP. It runs the queues of
 * FleetModule (provisioning.processor.ts, migrations.processor.ts, offboarding.processor.ts;
 * started by JobProcessors, which logs them), ExportsModule (exports.processor.ts, privacy.processor.ts)
 * CustomFieldsModule (custom-fields.processor.ts), AnalyticsModule (lead-score.processor.ts and its
 * nightly schedule) and the audit anchoring timer.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, catalogUrl: string): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        CatalogModule.forRoot(catalogUrl),
        JobsModule.forRoot(config),
        TenancyModule.forRoot(TENANT_DATABASE_SCHEMA),
        FleetModule,
        AuditAnchorsModule,
        EventsModule,
        CustomFieldsModule,
        AnalyticsModule,
        ExportsModule,
      ],
    };
  }
}
