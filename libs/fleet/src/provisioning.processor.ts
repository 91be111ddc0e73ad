import { JobContext, JobEnvelope, JobProcessor, JobProcessorHandler } from '@app/jobs';
import { Injectable } from '@nestjs/common';
import { TenantProvisioner } from './tenant-provisioner';

/** The `provisioning` queue: one job per tenant being onboarded (`POST /platform/tenants`, the CLI's `create`, `retry`). */
@Injectable()
@JobProcessor({ queue: 'provisioning', concurrency: 4 })
export class ProvisioningProcessor implements JobProcessorHandler {
  constructor(private readonly provisioner: TenantProvisioner) {}

  process(job: JobEnvelope, context: JobContext): Promise<unknown> {
    return this.provisioner.run(job, context);
  }
}
