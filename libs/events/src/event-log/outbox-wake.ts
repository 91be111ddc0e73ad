import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { type OutboxCommit, outboxSignal } from '../outbox/outbox-signal';

export interface OutboxWakeUp {
  database: string;
  tenantId?: string;
  lastSeq: number;
}

type WakeListener = (wake: OutboxWakeUp) => void;

/**
 * Wakes the readers of a tenant's outbox after a commit: in this process through outboxSignal,
 * and on every other replica through a Redis pub/sub message published after the commit (when
 * REDIS_URL is set). No LISTEN/NOTIFY: PgBouncer in transaction mode cannot carry it. A lost
 * message costs only latency: the readers also poll while they have connections.
 */
@Injectable()
export class OutboxWake implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxWake.name);
  private readonly listeners: WakeListener[] = [];
  private readonly channel: string;
  private readonly instance = randomUUID();
  private publisher?: Redis;
  private subscriber?: Redis;
  private unlisten?: () => void;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.channel = `tessera:${config.tenantDbPrefix}:outbox`;
  }

  async onModuleInit(): Promise<void> {
    this.unlisten = outboxSignal.onCommitted((commit) => this.committed(commit));
    if (!this.config.redisUrl) return;
    const options = { maxRetriesPerRequest: 2 };
    this.publisher = new Redis(this.config.redisUrl, options);
    this.subscriber = new Redis(this.config.redisUrl, options);
    for (const client of [this.publisher, this.subscriber])
      client.on('error', (e: Error) => this.logger.warn(`redis: ${e.message}`));
    this.subscriber.on('message', (_channel: string, message: string) => this.received(message));
    await this.subscriber
      .subscribe(this.channel)
      .catch((e: Error) => this.logger.warn(`cannot subscribe to outbox commits: ${e.message}`));
  }

  onApplicationShutdown(): void {
    this.unlisten?.();
    this.subscriber?.disconnect();
    this.publisher?.disconnect();
  }

  on(listener: WakeListener): void {
    this.listeners.push(listener);
  }

  private committed(commit: OutboxCommit): void {
    const wake = { database: commit.database, tenantId: commit.tenant?.id, lastSeq: commit.lastSeq };
    this.deliver(wake);
    if (!this.publisher) return;
    // In the same process other instances (tests) share outboxSignal: they were told already.
    this.publisher
      .publish(this.channel, JSON.stringify({ ...wake, origin: this.instance }))
      .catch((e: Error) => this.logger.warn(`cannot publish an outbox commit: ${e.message}`));
  }

  private received(message: string): void {
    try {
      const wake = JSON.parse(message) as OutboxWakeUp & { origin?: string };
      if (wake.origin === this.instance || typeof wake.database !== 'string') return;
      this.deliver({ database: wake.database, tenantId: wake.tenantId, lastSeq: Number(wake.lastSeq) });
    } catch {
      this.logger.warn('ignored a malformed outbox message');
    }
  }

  private deliver(wake: OutboxWakeUp): void {
    for (const listener of this.listeners) {
      try {
        listener(wake);
      } catch {
        this.logger.warn('outbox wake listener failed');
      }
    }
  }
}
