import { JobContext, JobEnvelope, JobProcessor, JobProcessorHandler } from '@app/jobs';
import { TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { inJobTenant, RecordJob } from '../tenant-job';
import { ExportsService } from './exports.service';

/** The `exports` queue: one job per export, writing its zip. */
@Injectable()
@JobProcessor({ queue: 'exports', concurrency: 2 })
export class ExportsProcessor implements JobProcessorHandler<RecordJob> {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly registry: TenantOrmRegistry,
    private readonly exports: ExportsService,
  ) {}

  process(job: JobEnvelope<RecordJob>, context: JobContext): Promise<unknown> {
    return inJobTenant(this.directory, this.registry, job, () => this.exports.run(job.data.id, context.final));
  }
}
