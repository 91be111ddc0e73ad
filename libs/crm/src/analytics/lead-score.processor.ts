import { JobEnvelope, JobProcessor, JobProcessorHandler, PermanentJobError } from '@app/jobs';
import { TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { LeadScoreJob, LeadScoreService, TrainingOutcome } from './lead-score.service';

/** The `analytics` queue: trains a tenant's lead score model in that tenant's context, one job at a time. */
@Injectable()
@JobProcessor({ queue: 'analytics', concurrency: 1 })
export class LeadScoreProcessor implements JobProcessorHandler<LeadScoreJob> {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly registry: TenantOrmRegistry,
    private readonly leadScore: LeadScoreService,
  ) {}

  async process(job: JobEnvelope<LeadScoreJob>): Promise<TrainingOutcome> {
    if (job.data.kind !== 'lead-score') throw new PermanentJobError(`unknown analytics job ${String(job.data.kind)}`);
    const tenant = await this.directory.find(job.tenant);
    if (!tenant || tenant.id !== job.tenantId) throw new PermanentJobError(`no tenant ${job.tenant} with that id`);
    return this.registry.run(tenant, () => this.leadScore.train());
  }
}
