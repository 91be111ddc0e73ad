import { JobEnvelope, JobProcessor, JobProcessorHandler, PermanentJobError } from '@app/jobs';
import { TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { CustomFieldJob, CustomFieldJobs } from './custom-field-jobs';

/** The `custom-fields` queue: index builds and purges, each in its tenant's context. */
@Injectable()
@JobProcessor({ queue: 'custom-fields', concurrency: 1 })
export class CustomFieldsProcessor implements JobProcessorHandler<CustomFieldJob> {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly registry: TenantOrmRegistry,
    private readonly work: CustomFieldJobs,
  ) {}

  async process(job: JobEnvelope<CustomFieldJob>): Promise<unknown> {
    const tenant = await this.directory.find(job.tenant);
    if (!tenant || tenant.id !== job.tenantId) throw new PermanentJobError(`no tenant ${job.tenant} with that id`);
    return this.registry.run(tenant, () =>
      job.data.work === 'purge' ? this.work.purge(job.data) : this.work.index(job.data),
    );
  }
}
