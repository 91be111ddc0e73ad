import { Module } from '@nestjs/common';
import { CustomFieldJobs } from './custom-field-jobs';
import { CustomFieldRegistry } from './custom-field-registry';
import { CustomFieldValues } from './custom-field-values';
import { CustomFieldsController } from './custom-fields.controller';
import { CustomFieldsProcessor } from './custom-fields.processor';
import { CustomFieldsService } from './custom-fields.service';
import { TenantOpenApi } from './tenant-openapi';
import { TenantOpenApiController } from './tenant-openapi.controller';

/** Tenant-defined fields of leads and deals: definitions, their cache, and the jobs that index and purge. */
@Module({
  controllers: [CustomFieldsController, TenantOpenApiController],
  providers: [
    CustomFieldRegistry,
    CustomFieldValues,
    CustomFieldsService,
    CustomFieldJobs,
    CustomFieldsProcessor,
    TenantOpenApi,
  ],
  exports: [CustomFieldRegistry, CustomFieldValues, TenantOpenApi],
})
export class CustomFieldsModule {}
