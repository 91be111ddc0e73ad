import { JobContext, JobEnvelope, JobProcessor, JobProcessorHandler } from '@app/jobs';
import { TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { inJobTenant, RecordJob } from '../tenant-job';
import { PrivacyService } from './privacy.service';

/** The `privacy` queue: one job per privacy request (an access zip, or an erasure). */
@Injectable()
@JobProcessor({ queue: 'privacy', concurrency: 2 })
export class PrivacyProcessor implements JobProcessorHandler<RecordJob> {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly registry: TenantOrmRegistry,
    private readonly privacy: PrivacyService,
  ) {}

  process(job: JobEnvelope<RecordJob>, context: JobContext): Promise<unknown> {
    return inJobTenant(this.directory, this.registry, job, () => this.privacy.run(job.data.id, context.final));
  }
}
