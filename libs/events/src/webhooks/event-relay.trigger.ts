import { describeError } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type OutboxCommit, outboxSignal } from '../outbox/outbox-signal';
import { WebhookWake } from './webhook-wake';

/** Commits of one tenant within this many ms wake its relay once. */
const DEBOUNCE_MS = 5;
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
  private readonly byDatabase = new Map<string, TenantRef>();
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe?: () => void;

  constructor(
    private readonly wake: WebhookWake,
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
  private async committed(commit: OutboxCommit): Promise<void> {
    const tenant = commit.tenant ?? (await this.tenantOf(commit.database));
    if (!tenant) return;
    this.recent.set(tenant.slug, { tenant, at: Date.now() });
    const waiting = this.pending.get(tenant.slug);
    if (waiting) {
      waiting.lastSeq = Math.max(waiting.lastSeq, commit.lastSeq);
      return;
    }
    const timer = setTimeout(() => {
      const due = this.pending.get(tenant.slug)!;
      this.pending.delete(tenant.slug);
      this.queue(tenant, `relay:${tenant.slug}:${due.lastSeq}`);
    }, DEBOUNCE_MS);
    this.pending.set(tenant.slug, { tenant, lastSeq: commit.lastSeq, timer });
  }

  private sweepRecent(): void {
    const bucket = Math.floor(Date.now() / this.config.webhooks.relaySweepMs);
    for (const [slug, { tenant, at }] of this.recent) {
      if (at < Date.now() - RECENT_MS) this.recent.delete(slug);
      else this.queue(tenant, `relay:${slug}:sweep:${bucket}`);
    }
  }

  private async sweepAll(round: string): Promise<void> {
    try {
      const tenants = await this.catalog.em
        .getConnection()
        .execute<TenantRef[]>("select slug, id from tenants where status = 'active' order by slug");
      for (const tenant of tenants) this.queue(tenant, `relay:${tenant.slug}:full:${round}`, true);
    } catch (error) {
      this.logger.warn(`could not list the tenants to relay: ${describeError(error)}`);
    }
  }

  private queue(tenant: TenantRef, jobId: string, prune = false): void {
    this.wake
      .relay(tenant, jobId, prune)
      .catch((error: unknown) =>
        this.logger.warn(`could not queue the relay of ${tenant.slug}: ${describeError(error)}`),
      );
  }

  /** A commit outside a tenant context (provisioning) names only its database. */
  private async tenantOf(database: string): Promise<TenantRef | undefined> {
    const known = this.byDatabase.get(database);
    if (known) return known;
    const [found] = await this.catalog.em
      .getConnection()
      .execute<TenantRef[]>('select slug, id from tenants where db_name = ?', [database]);
    if (found) this.byDatabase.set(database, found);
    return found;
  }

  private every(ms: number, run: () => unknown): void {
    const timer = setInterval(run, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
