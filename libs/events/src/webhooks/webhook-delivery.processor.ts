import { JobEnvelope, JobProcessor, JobProcessorHandler } from '@app/jobs';
import { TenantDirectory } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { WebhookDispatcher } from './webhook-dispatcher';
import type { WakeJob } from './webhook-wake';

/**
 * The `webhooks` queue: wakes this process's dispatcher for one tenant and returns at once; the
 * attempts run in the dispatcher's per-tenant lanes, so no job ever holds a worker for an endpoint.
 */
@Injectable()
@JobProcessor({ queue: 'webhooks', concurrency: 8 })
export class WebhookDeliveryProcessor implements JobProcessorHandler<WakeJob> {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  async process(job: JobEnvelope<WakeJob>): Promise<boolean> {
    const tenant = await this.directory.find(job.tenant);
    if (!tenant || tenant.id !== job.tenantId || tenant.status !== 'active') return false;
    this.dispatcher.kick(tenant);
    return true;
  }
}
