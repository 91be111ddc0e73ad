import { JobEnvelope, JobProcessor, JobProcessorHandler } from '@app/jobs';
import { Injectable } from '@nestjs/common';
import { MigrationJob, TenantFleet } from './tenant-fleet.service';

/** The `migrations` queue: one job per tenant of a fleet migration (the CLI's `migrate --all` and `migrate <slug>`). */
@Injectable()
@JobProcessor({ queue: 'migrations', concurrency: 32 })
export class MigrationsProcessor implements JobProcessorHandler<MigrationJob> {
  constructor(private readonly fleet: TenantFleet) {}

  process(job: JobEnvelope<MigrationJob>): Promise<unknown> {
    return this.fleet.runJob(job);
  }
}
