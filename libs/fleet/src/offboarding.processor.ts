import { JobContext, JobEnvelope, JobProcessor, JobProcessorHandler } from '@app/jobs';
import { Injectable } from '@nestjs/common';
import { TenantLifecycle } from './tenant-lifecycle.service';

/** The `offboarding` queue: backup, then drop, of a tenant an operator offboarded (`DELETE /platform/tenants/:slug`, the CLI's `offboard`). */
@Injectable()
@JobProcessor({ queue: 'offboarding', concurrency: 2 })
export class OffboardingProcessor implements JobProcessorHandler {
  constructor(private readonly lifecycle: TenantLifecycle) {}

  process(job: JobEnvelope, context: JobContext): Promise<unknown> {
    return this.lifecycle.completeOffboarding(job, context);
  }
}
