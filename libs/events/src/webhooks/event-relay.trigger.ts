import { describeError } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { TenantDirectory } from '@app/tenancy';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { type OutboxCommit, outboxSignal } from '../outbox/outbox-signal';
import { WebhookPresence } from './webhook-presence';
import { WebhookWake } from './webhook-wake';

/** Commits of one tenant within this many ms wake its relay once. */
const DEBOUNCE_MS = 20;
/** A tenant that committed here within this long is swept every EVENT_RELAY_SWEEP_MS. */
const RECENT_MS = 600_000;
/** Every active tenant of the fleet is swept this often (and at start-up) by processes that run workers. */
const FULL_SWEEP_MS = 600_000;

interface TenantRef {
  slug: string;
  id: string;
}

/**
 * When the relay runs. After a commit that wrote events (the outbox signal; no LISTEN, which
 * PgBouncer cannot carry), a job on the `events` queue, debounced per tenant; every
 * EVENT_RELAY_SWEEP_MS, a sweep of the tenants that committed here lately (a wake-up lost with a
 * killed process or a busy relay); at start-up and every 10 minutes, where workers run, a sweep of
 * every active tenant, which also prunes their 30-day event log. The queue's concurrency (4)
 * bounds how many tenant pools a sweep holds at once.
 */
@Injectable()
export class EventRelayTrigger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventRelay');
  private readonly pending = new Map<string, { tenant: TenantRef; lastSeq: number; timer: NodeJS.Timeout }>();
  private readonly recent = new Map<string, { tenant: TenantRef; at: number }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe?: () => void;
  /**
   * Made outside any request: the debounced relay runs in its scope, not in the committing request's
   * (whose tenant context and MikroORM request context would leak into the catalog lookups).
   */
  private readonly outsideRequests = new AsyncResource('EventRelayTrigger');

  constructor(
    private readonly wake: WebhookWake,
    private readonly presence: WebhookPresence,
    private readonly directory: TenantDirectory,
    private readonly catalog: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = outboxSignal.onCommitted((commit) => this.committed(commit));
    this.every(this.config.webhooks.relaySweepMs, () => this.sweepRecent());
    if (!this.config.workers) return;
    void this.sweepAll(randomUUID());
    this.every(FULL_SWEEP_MS, () => this.sweepAll(String(Math.floor(Date.now() / FULL_SWEEP_MS))));
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    for (const timer of this.timers) clearInterval(timer);
    for (const { timer } of this.pending.values()) clearTimeout(timer);
  }

  /** Queues the tenant's relay a few ms after its commit (one job for a burst of commits). */
  private committed(commit: OutboxCommit): void {
    // Outside a tenant context (provisioning: no endpoint can exist yet) the sweeps relay it; looking
    // the tenant up here would cache it as still provisioning.
    const tenant = commit.tenant;
    if (!tenant) return;
    this.recent.set(tenant.slug, { tenant, at: Date.now() });
    const waiting = this.pending.get(tenant.slug);
    if (waiting) {
      waiting.lastSeq = Math.max(waiting.lastSeq, commit.lastSeq);
      return;
    }
    const timer = setTimeout(
      this.outsideRequests.bind(() => {
        const due = this.pending.get(tenant.slug)!;
        this.pending.delete(tenant.slug);
        void this.relayIfServed(tenant, `relay:${tenant.slug}:${due.lastSeq}`);
      }),
      DEBOUNCE_MS,
    );
    this.pending.set(tenant.slug, { tenant, lastSeq: commit.lastSeq, timer });
  }

  /** A tenant without an active endpoint has nothing to relay: its commits queue no job (read at most every 5 s). */
  private async relayIfServed(ref: TenantRef, jobId: string): Promise<void> {
    try {
      const tenant = await this.directory.find(ref.slug);
      if (!tenant || tenant.id !== ref.id || !(await this.presence.has(tenant))) return;
    } catch (error) {
      this.logger.warn(`could not look at the endpoints of ${ref.slug}: ${describeError(error)}`);
    }
    this.queue(ref, jobId, 'commit');
  }

  private sweepRecent(): void {
    const bucket = Math.floor(Date.now() / this.config.webhooks.relaySweepMs);
    for (const [slug, { tenant, at }] of this.recent) {
      if (at < Date.now() - RECENT_MS) this.recent.delete(slug);
      else if (this.presence.lastKnown(tenant.id)) this.queue(tenant, `relay:${slug}:sweep:${bucket}`, 'sweep');
    }
  }

  private async sweepAll(round: string): Promise<void> {
    try {
      const tenants = await this.catalog.em
        .getConnection()
        .execute<TenantRef[]>("select slug, id from tenants where status = 'active' order by slug");
      for (const tenant of tenants) this.queue(tenant, `relay:${tenant.slug}:full:${round}`, 'prune');
    } catch (error) {
      this.logger.warn(`could not list the tenants to relay: ${describeError(error)}`);
    }
  }

  private queue(tenant: TenantRef, jobId: string, kind: 'commit' | 'sweep' | 'prune'): void {
    this.wake
      .relay(tenant, jobId, kind)
      .catch((error: unknown) =>
        this.logger.warn(`could not queue the relay of ${tenant.slug}: ${describeError(error)}`),
      );
  }

  private every(ms: number, run: () => unknown): void {
    const timer = setInterval(run, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
