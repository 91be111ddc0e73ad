import { JobQueue } from '@app/jobs';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

/** A job of the `webhooks` queue: look for the tenant's due deliveries now. */
export type WakeJob = Record<string, never>;

/** A job of the `events` queue: relay the tenant's committed events (and, in a full sweep, prune the log). */
export interface RelayJob {
  prune?: boolean;
  /** A sweep relays even a tenant without endpoints (its cursor moves on); a commit's wake-up does not. */
  sweep?: boolean;
}

/**
 * Wakes the relay and the delivery of one tenant through the queues, so the process that runs
 * the workers does the work (the API itself without Redis; the worker processes with it).
 */
@Injectable()
export class WebhookWake {
  constructor(private readonly jobs: JobQueue) {}

  async relay(tenant: { slug: string; id: string }, jobId: string, kind: 'commit' | 'sweep' | 'prune'): Promise<void> {
    const data: RelayJob = kind === 'commit' ? {} : kind === 'sweep' ? { sweep: true } : { sweep: true, prune: true };
    await this.jobs.enqueue<RelayJob>(
      'events',
      { tenant: tenant.slug, tenantId: tenant.id, correlationId: jobId, data },
      { jobId },
    );
  }

  async deliveries(tenant: { slug: string; id: string }): Promise<void> {
    const id = `deliver:${tenant.slug}:${randomUUID()}`;
    await this.jobs.enqueue<WakeJob>(
      'webhooks',
      { tenant: tenant.slug, tenantId: tenant.id, correlationId: id, data: {} },
      { jobId: id },
    );
  }
}
