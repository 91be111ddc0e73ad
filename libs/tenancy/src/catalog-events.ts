import { describeError } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';

export interface TenantChange {
  slug: string;
  tenantId: string;
  /**
   * What happened: the tenant's caches and pools must follow. `relocated`: its sessions must be
   * recycled (a write freeze began or ended, or it moved to another server): its pools close once unused.
   */
  kind: 'changed' | 'suspended' | 'offboarded' | 'relocated';
}

type Listener = (change: TenantChange) => void | Promise<void>;

/** A tenant cache entry set or dropped on every instance (revocations, invalidations). */
export interface CacheChange {
  tenantId: string;
  key: string;
  op: 'set' | 'del';
  value?: unknown;
  ttlMs?: number;
  /** Set on values that only move forward (TenantCache.shareVersioned): an older one never wins. */
  version?: number;
}

type CacheListener = (change: CacheChange) => void | Promise<void>;

/**
 * Tells every process about a catalog change at once: through Redis pub/sub when REDIS_URL is
 * set (all API replicas and workers), in-process otherwise. Listeners drop caches and pools.
 */
@Injectable()
export class CatalogEvents implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CatalogEvents.name);
  private readonly listeners: Listener[] = [];
  private readonly cacheListeners: CacheListener[] = [];
  private readonly planListeners: (() => void | Promise<void>)[] = [];
  private readonly channel: string;
  /** Tells this instance's own messages apart (several instances may share a process in tests). */
  private readonly instance = randomUUID();
  private publisher?: Redis;
  private subscriber?: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.channel = `tessera:${config.tenantDbPrefix}:catalog`;
  }

  async onModuleInit(): Promise<void> {
    if (!this.config.redisUrl) return;
    const options = { maxRetriesPerRequest: 2, lazyConnect: false };
    this.publisher = new Redis(this.config.redisUrl, options);
    this.subscriber = new Redis(this.config.redisUrl, options);
    for (const client of [this.publisher, this.subscriber])
      client.on('error', (e: Error) => this.logger.warn(`redis: ${e.message}`));
    this.subscriber.on('message', (_channel: string, message: string) => void this.deliver(message));
    await this.subscriber
      .subscribe(this.channel)
      .catch((e: Error) => this.logger.warn(`cannot subscribe to catalog changes: ${e.message}`));
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
    this.publisher?.disconnect();
  }

  on(listener: Listener): void {
    this.listeners.push(listener);
  }

  onCache(listener: CacheListener): void {
    this.cacheListeners.push(listener);
  }

  /** Called when a plan's terms changed (here or in another process). */
  onPlans(listener: () => void | Promise<void>): void {
    this.planListeners.push(listener);
  }

  /** Applies a plan change here at once, then tells the other processes. */
  async publishPlans(): Promise<void> {
    await this.notifyPlans();
    await this.send({ plans: true }, 'a plan change', ' (other processes read the plans again within seconds)');
  }

  private async notifyPlans(): Promise<void> {
    for (const listener of this.planListeners) {
      try {
        await listener();
      } catch (error) {
        this.logger.warn(`plan change listener failed: ${describeError(error)}`);
      }
    }
  }

  /** Tells the other processes to set or drop a tenant cache entry (this one already did). */
  async publishCache(change: CacheChange): Promise<void> {
    await this.send({ cache: change }, 'a cache change');
  }

  /** Applies the change here at once, then tells the other processes. */
  async publish(change: TenantChange): Promise<void> {
    await this.notify(change);
    await this.send({ ...change }, 'a catalog change', ' (other processes catch up when their cache expires)');
  }

  /** Sends a message to the other processes (none without Redis); a failure is a warning, never the caller's. */
  private async send(message: object, what: string, consequence = ''): Promise<void> {
    if (!this.publisher) return;
    await this.publisher
      .publish(this.channel, JSON.stringify({ ...message, origin: this.instance }))
      .catch((e: Error) => this.logger.warn(`cannot publish ${what}: ${e.message}${consequence}`));
  }

  private async deliver(message: string): Promise<void> {
    try {
      const change = JSON.parse(message) as TenantChange & { origin?: string; cache?: CacheChange; plans?: true };
      if (change.origin === this.instance) return; // applied here before it was published
      if (change.plans) return await this.notifyPlans();
      if (change.cache) {
        for (const listener of this.cacheListeners) await listener(change.cache);
        return;
      }
      if (typeof change.slug !== 'string' || typeof change.tenantId !== 'string') return;
      await this.notify({ slug: change.slug, tenantId: change.tenantId, kind: change.kind });
    } catch {
      // not ours
    }
  }

  private async notify(change: TenantChange): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(change);
      } catch (error) {
        this.logger.warn(`catalog change listener failed: ${describeError(error)}`);
      }
    }
  }
}
