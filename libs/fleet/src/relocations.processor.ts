import { JobEnvelope, JobProcessor, JobProcessorHandler } from '@app/jobs';
import { Injectable } from '@nestjs/common';
import { RelocationJob, TenantRelocator } from './tenant-relocator';

/**
 * The `relocations` queue: one job runs (or resumes) one tenant's relocation. Across processes one
 * runner per relocation (an advisory lock); a killed worker's job resumes in the phase it was in.
 */
@Injectable()
@JobProcessor({ queue: 'relocations', concurrency: 2 })
export class RelocationsProcessor implements JobProcessorHandler<RelocationJob> {
  constructor(private readonly relocator: TenantRelocator) {}

  process(job: JobEnvelope<RelocationJob>): Promise<unknown> {
    return this.relocator.run(job);
  }
}
