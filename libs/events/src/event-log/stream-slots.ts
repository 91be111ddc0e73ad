import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';

/**
 * Takes a slot if fewer than the cap are held: expired slots (a replica that died) are dropped first.
 * KEYS[1] the tenant's sorted set; ARGV: now, expiry, cap, connection id, key ttl (ms).
 */
const TAKE = `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/**
 * The open event streams of each tenant, capped by its plan (`eventStreams`). With REDIS_URL the
 * cap holds across replicas: a sorted set per tenant of connection ids scored by expiry, taken by
 * an atomic Lua check-and-add and refreshed at each heartbeat, so a replica that dies frees its
 * slots within three heartbeats. Without Redis the count lives in this process.
 */
@Injectable()
export class StreamSlots implements OnApplicationShutdown {
  private readonly logger = new Logger(StreamSlots.name);
  private readonly redis?: Redis;
  private readonly here = new Map<string, Set<string>>();
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.prefix = `tessera:${config.tenantDbPrefix}:streams:`;
    this.ttlMs = config.eventStreamHeartbeatMs * 3 + 5_000;
    if (config.redisUrl) {
      this.redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
      this.redis.on('error', (e: Error) => this.logger.warn(`redis: ${e.message}`));
    }
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }

  /** Whether a slot was taken. Redis unreachable: this process's own count decides (a warning, never a 500). */
  async take(tenantId: string, connection: string, cap: number): Promise<boolean> {
    if (this.redis) {
      const now = Date.now();
      const key = this.prefix + tenantId;
      const taken = await this.redis
        .eval(TAKE, 1, key, now, now + this.ttlMs, cap, connection, this.ttlMs)
        .catch((e: Error) => this.logger.warn(`stream slots: ${e.message}; counting in this process`));
      if (taken !== undefined) return taken === 1;
    }
    const held = this.here.get(tenantId) ?? new Set<string>();
    if (held.size >= cap) return false;
    this.here.set(tenantId, held.add(connection));
    return true;
  }

  /** Keeps the slots of connections still open (at each heartbeat). */
  async refresh(tenantId: string, connections: string[]): Promise<void> {
    if (!this.redis || !connections.length) return;
    const expiry = Date.now() + this.ttlMs;
    await this.redis
      .multi()
      .zadd(this.prefix + tenantId, 'XX', ...connections.flatMap((id) => [expiry, id]))
      .pexpire(this.prefix + tenantId, this.ttlMs)
      .exec()
      .catch((e: Error) => this.logger.warn(`cannot refresh stream slots: ${e.message}`));
  }

  async give(tenantId: string, connection: string): Promise<void> {
    const held = this.here.get(tenantId);
    if (held?.delete(connection) && !held.size) this.here.delete(tenantId);
    if (!this.redis) return;
    await this.redis
      .zrem(this.prefix + tenantId, connection)
      .catch((e: Error) => this.logger.warn(`cannot free a stream slot: ${e.message}`));
  }
}
