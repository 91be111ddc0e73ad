import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';

export interface TenantChange {
  slug: string;
  tenantId: string;
  /** What happened: the tenant's caches and pools must follow. */
  kind: 'changed' | 'suspended' | 'offboarded';
}

type Listener = (change: TenantChange) => void | Promise<void>;

/**
 * Tells every process about a catalog change at once: through Redis pub/sub when REDIS_URL is
 * set (all API replicas and workers), in-process otherwise. Listeners drop caches and pools.
 */
@Injectable()
export class CatalogEvents implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CatalogEvents.name);
  private readonly listeners: Listener[] = [];
  private readonly channel: string;
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
    for (const client of [this.publisher, this.subscriber]) client.on('error', (e: Error) => this.logger.warn(`redis: ${e.message}`));
    this.subscriber.on('message', (_channel: string, message: string) => void this.deliver(message));
    await this.subscriber.subscribe(this.channel).catch((e: Error) => this.logger.warn(`cannot subscribe to catalog changes: ${e.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscriber?.disconnect();
    this.publisher?.disconnect();
  }

  on(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** Applies the change here at once, then tells the other processes. */
  async publish(change: TenantChange): Promise<void> {
    await this.notify(change);
    if (!this.publisher) return;
    await this.publisher.publish(this.channel, JSON.stringify({ ...change, origin: process.pid })).catch((e: Error) => {
      this.logger.warn(`cannot publish a catalog change: ${e.message} (other processes catch up when their cache expires)`);
    });
  }

  private async deliver(message: string): Promise<void> {
    try {
      const change = JSON.parse(message) as TenantChange & { origin?: number };
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
        this.logger.warn(`catalog change listener failed: ${(error as Error).message}`);
      }
    }
  }
}
