import { describeError } from '@app/common';
import type { ResolvedTenant } from '@app/tenancy';
import { TenantContext, TenantOrmRegistry } from '@app/tenancy';
import { Injectable, Logger } from '@nestjs/common';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookDispatcher } from './webhook-dispatcher';

/** How long a relay waits for another relay of the same tenant (which holds the cursor) before leaving it the work. */
const BUSY_TRIES = 30;
const BUSY_WAIT_MS = 100;

export interface RelayResult {
  events: number;
  deliveries: number;
  lastSeq: number | null;
}

interface RunningRelay {
  /** Another wake-up came while it ran: one more round. */
  again: boolean;
}

const EMPTY: RelayResult = { events: 0, deliveries: 0, lastSeq: null };

/**
 * Publishes a tenant's committed outbox events to its webhook endpoints in seq order: batches of
 * deliveries written under the relay cursor's row lock (a second relay of the tenant waits or
 * leaves), then the dispatcher is woken. Idempotent: a relay killed mid-way leaves the cursor
 * where its last commit put it, and the next one (a wake-up or a sweep) carries on from there.
 */
@Injectable()
export class EventRelay {
  private readonly logger = new Logger('EventRelay');
  private readonly running = new Map<string, RunningRelay>();

  constructor(
    private readonly registry: TenantOrmRegistry,
    private readonly tenancy: TenantContext,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  /**
   * Relays until the tenant's outbox is handled. Wake-ups for a tenant whose relay already runs in
   * this process only ask it to go round once more (they never queue up behind its lock).
   */
  relay(tenant: ResolvedTenant): Promise<RelayResult> {
    const running = this.running.get(tenant.id);
    if (running) {
      running.again = true; // answered at once: a queue slot never waits for another tenant's relay
      return Promise.resolve({ ...EMPTY });
    }
    const state: RunningRelay = { again: true };
    this.running.set(tenant.id, state);
    return this.rounds(tenant, state).finally(() => this.running.delete(tenant.id));
  }

  private async rounds(tenant: ResolvedTenant, state: RunningRelay): Promise<RelayResult> {
    const result: RelayResult = { ...EMPTY };
    while (state.again) {
      state.again = false;
      await this.round(tenant, result);
    }
    this.dispatcher.kick(tenant);
    return result;
  }

  /** Batches until one finds no event; another process's relay holding the cursor is waited for a while. */
  private async round(tenant: ResolvedTenant, result: RelayResult): Promise<void> {
    let busy = 0;
    for (;;) {
      const batch = await this.registry.run(tenant, () => this.repository().relayBatch());
      if (!batch) {
        if (++busy >= BUSY_TRIES) return; // the other relay keeps going; the sweep checks again
        await new Promise((resolve) => setTimeout(resolve, BUSY_WAIT_MS));
        continue;
      }
      result.events += batch.events;
      result.deliveries += batch.deliveries;
      result.lastSeq = batch.lastSeq;
      if (!batch.events) return;
      this.dispatcher.kick(tenant);
    }
  }

  /** Drops events older than 30 days that the relay has handled. */
  async prune(tenant: ResolvedTenant): Promise<void> {
    try {
      await this.registry.run(tenant, () => this.repository().prune());
    } catch (error) {
      this.logger.warn(`could not prune the event log of tenant ${tenant.slug}: ${describeError(error)}`);
    }
  }

  private repository(): WebhookDeliveryRepository {
    return new WebhookDeliveryRepository(this.tenancy.em);
  }
}
