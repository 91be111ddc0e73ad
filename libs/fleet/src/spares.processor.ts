import { JobEnvelope, JobProcessor, JobProcessorHandler } from '@app/jobs';
import { Injectable } from '@nestjs/common';
import { SpareDatabases, SpareRefillJob } from './spare-databases';

/**
 * The `spares` queue: one job refills one database server's spare tenant databases (queued after
 * every claim, at start-up and every TENANT_SPARE_REFILL_MS). One per process at a time; across
 * processes, one per server at a time (an advisory lock).
 */
@Injectable()
@JobProcessor({ queue: 'spares', concurrency: 1 })
export class SparesProcessor implements JobProcessorHandler<SpareRefillJob> {
  constructor(private readonly spares: SpareDatabases) {}

  process(job: JobEnvelope<SpareRefillJob>): Promise<unknown> {
    return this.spares.runJob(job);
  }
}
