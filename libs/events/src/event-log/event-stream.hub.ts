import { TokenVerifier } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { type ResolvedTenant, TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { PassThrough } from 'node:stream';
import { EventsService } from './events.service';
import { OutboxWake } from './outbox-wake';
import { StreamSlots } from './stream-slots';

/** Rows per read of the shared poller. */
const BATCH = 500;
/** The poll while a tenant has open streams, should a wake-up be lost. */
export const FALLBACK_POLL_MS = 2_000;
/** A client that lets this much pile up unread is dropped (it resumes with Last-Event-ID). */
const MAX_BUFFERED = 1 << 20;

export interface StreamClient {
  id: string;
  /** Staff see only events whose `visible_to` holds them. */
  staff?: string;
  token: string;
  /** The last seq this client has been sent (or skipped past). */
  cursor: number;
  out: PassThrough;
}

interface TenantStreams {
  tenant: ResolvedTenant;
  clients: Set<StreamClient>;
  reading: boolean;
  again: boolean;
  poll: NodeJS.Timeout;
  heartbeat: NodeJS.Timeout;
}

/**
 * One poller per tenant per instance, shared by that tenant's streams: it reads
 * `seq > <lowest cursor> order by seq limit 500` under a short lease on the tenant's ORM (never
 * for a stream's lifetime), and hands each client what it has not seen and may see. Woken by
 * OutboxWake (this process, other replicas via Redis), else every 2 s while streams are open.
 * Seqs are gap-free in commit order, so a cursor never skips an event that commits later.
 * A heartbeat comment goes out every EVENT_STREAM_HEARTBEAT_MS; then each client's token is
 * checked again (expired or revoked: its stream ends) and the tenant too (suspended: all end).
 */
@Injectable()
export class EventStreamHub implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventStreamHub.name);
  private readonly tenants = new Map<string, TenantStreams>();

  constructor(
    private readonly registry: TenantOrmRegistry,
    private readonly directory: TenantDirectory,
    private readonly events: EventsService,
    private readonly verifier: TokenVerifier,
    readonly slots: StreamSlots,
    private readonly wake: OutboxWake,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.wake.on((wake) => {
      for (const streams of this.tenants.values())
        if (streams.tenant.id === wake.tenantId || streams.tenant.dbName === wake.database) this.read(streams);
    });
  }

  onModuleDestroy(): void {
    for (const streams of [...this.tenants.values()]) for (const client of streams.clients) this.end(streams, client);
  }

  /** Open streams of a tenant here (tests and metrics). */
  open(tenantId: string): number {
    return this.tenants.get(tenantId)?.clients.size ?? 0;
  }

  add(tenant: ResolvedTenant, client: StreamClient): void {
    let streams = this.tenants.get(tenant.id);
    if (!streams) {
      const created: TenantStreams = {
        tenant,
        clients: new Set(),
        reading: false,
        again: false,
        poll: setInterval(() => this.read(created), FALLBACK_POLL_MS),
        heartbeat: setInterval(() => void this.beat(created), this.config.eventStreamHeartbeatMs),
      };
      streams = created;
      this.tenants.set(tenant.id, streams);
    }
    const joined = streams;
    joined.clients.add(client);
    client.out.on('close', () => this.end(joined, client));
    this.read(joined);
  }

  private end(streams: TenantStreams, client: StreamClient): void {
    if (!streams.clients.delete(client)) return;
    if (!client.out.destroyed) client.out.end();
    void this.slots.give(streams.tenant.id, client.id);
    if (streams.clients.size) return;
    clearInterval(streams.poll);
    clearInterval(streams.heartbeat);
    if (this.tenants.get(streams.tenant.id) === streams) this.tenants.delete(streams.tenant.id);
  }

  /** Reads until caught up; a wake-up during a read reads again after it. */
  private read(streams: TenantStreams): void {
    if (streams.reading) {
      streams.again = true;
      return;
    }
    streams.reading = true;
    this.catchUp(streams)
      .catch((error: unknown) =>
        this.logger.warn(`event stream read failed: ${error instanceof Error ? error.name : 'error'}`),
      )
      .finally(() => {
        streams.reading = false;
        if (streams.again && streams.clients.size) {
          streams.again = false;
          this.read(streams);
        }
      });
  }

  private async catchUp(streams: TenantStreams): Promise<void> {
    for (;;) {
      streams.again = false;
      if (!streams.clients.size) return;
      const from = Math.min(...[...streams.clients].map((c) => c.cursor));
      const rows = await this.registry.run(streams.tenant, () => this.events.audience(from, BATCH));
      for (const client of streams.clients) {
        for (const row of rows) {
          if (row.event.seq <= client.cursor) continue;
          client.cursor = row.event.seq;
          if (client.staff && !row.visibleTo.includes(client.staff)) continue;
          this.send(
            streams,
            client,
            `id: ${row.event.seq}\nevent: ${row.event.type}\ndata: ${JSON.stringify(row.event)}\n\n`,
          );
        }
      }
      if (rows.length < BATCH) return;
    }
  }

  private send(streams: TenantStreams, client: StreamClient, chunk: string): void {
    if (client.out.destroyed) return this.end(streams, client);
    client.out.write(chunk);
    if (client.out.writableLength > MAX_BUFFERED) this.end(streams, client);
  }

  /** The heartbeat: a comment to each client, then the tenant and every token checked again. */
  private async beat(streams: TenantStreams): Promise<void> {
    for (const client of streams.clients) this.send(streams, client, ': heartbeat\n\n');
    const tenant = await this.directory.find(streams.tenant.slug).catch(() => streams.tenant);
    if (!tenant || tenant.status !== 'active' || tenant.id !== streams.tenant.id) {
      for (const client of [...streams.clients]) this.end(streams, client);
      return;
    }
    streams.tenant = tenant;
    await Promise.all(
      [...streams.clients].map((client) =>
        this.verifier.tenantUser(client.token, tenant).then(
          () => undefined,
          () => this.end(streams, client),
        ),
      ),
    );
    await this.slots.refresh(
      tenant.id,
      [...streams.clients].map((c) => c.id),
    );
  }
}
