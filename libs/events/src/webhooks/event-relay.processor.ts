import { JobEnvelope, JobProcessor, JobProcessorHandler } from '@app/jobs';
import { TenantDirectory } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { EventRelay, RelayResult } from './event-relay';
import { WebhookPresence } from './webhook-presence';
import type { RelayJob } from './webhook-wake';

/** The `events` queue: relays one tenant's committed events (a wake-up after commit, or a sweep). */
@Injectable()
@JobProcessor({ queue: 'events', concurrency: 4 })
export class EventRelayProcessor implements JobProcessorHandler<RelayJob> {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly relay: EventRelay,
    private readonly presence: WebhookPresence,
  ) {}

  async process(job: JobEnvelope<RelayJob>): Promise<RelayResult | null> {
    const tenant = await this.directory.find(job.tenant);
    // A tenant gone, replaced, or not serving (suspended, moving, leaving) is relayed when it is again.
    if (!tenant || tenant.id !== job.tenantId || tenant.status !== 'active') return null;
    if (!job.data.sweep && !(await this.presence.has(tenant))) return null;
    const result = await this.relay.relay(tenant);
    if (job.data.prune) await this.relay.prune(tenant);
    return result;
  }
}
