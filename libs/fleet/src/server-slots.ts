import { describeError } from '@app/common';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';

/** At most `limit` holders of one server's slots at once; `use` waits for a slot, runs, gives it back. */
export interface ServerSlots {
  use<T>(server: string, limit: number, fn: () => Promise<T>): Promise<T>;
  close(): void;
}

/** A counting semaphore: at most `limit` holders at once. */
class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(public limit: number) {}

  async use<T>(fn: () => Promise<T>): Promise<T> {
    while (this.active >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiters.shift()?.();
    }
  }
}

/** Slots counted in this process (no REDIS_URL: the in-process job driver runs every job here). */
export class LocalServerSlots implements ServerSlots {
  private readonly perServer = new Map<string, Semaphore>();

  use<T>(server: string, limit: number, fn: () => Promise<T>): Promise<T> {
    let gate = this.perServer.get(server);
    if (!gate) this.perServer.set(server, (gate = new Semaphore(limit)));
    gate.limit = Math.max(1, limit);
    return gate.use(fn);
  }

  close(): void {}
}

/**
 * KEYS: the server's holders (a sorted set: holder → lease end, ms of Redis's clock). ARGV:
 * limit, lease ms, holder. Drops expired leases (a killed worker's slot comes back when its
 * lease ends), then takes a slot when fewer than `limit` are held. Returns 1 when held, else 0.
 */
const ACQUIRE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
redis.call('PEXPIRE', KEYS[1], lease)
return 1
`;

/** KEYS: holders. ARGV: lease ms, holder. Extends a lease still held; 0 when it was lost. */
const RENEW = `
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`;

type Scripted = Redis & {
  acquireSlot(key: string, limit: number, leaseMs: number, holder: string): Promise<number>;
  renewSlot(key: string, leaseMs: number, holder: string): Promise<number>;
};

export interface RedisSlotOptions {
  /** How long a slot stays held without renewal (a holder renews it every third of this). */
  leaseMs?: number;
  /** How often a waiter asks again while the server's slots are all held. */
  pollMs?: number;
}

/**
 * Slots on Redis, shared by every process that runs jobs (the API instances and workers on
 * one Redis): one sorted set of holders per server, taken and freed atomically by scripts.
 * A holder renews its lease while it works; a holder that dies stops renewing, and its slot
 * comes back when the lease ends. A job that finds every slot held waits and asks again.
 */
export class RedisServerSlots implements ServerSlots {
  private readonly logger = new Logger('ServerSlots');
  private readonly redis: Scripted;
  private readonly leaseMs: number;
  private readonly pollMs: number;

  constructor(
    url: string,
    private readonly prefix: string,
    options: RedisSlotOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 200;
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    redis.defineCommand('acquireSlot', { numberOfKeys: 1, lua: ACQUIRE });
    redis.defineCommand('renewSlot', { numberOfKeys: 1, lua: RENEW });
    this.redis = redis as Scripted;
  }

  async use<T>(server: string, limit: number, fn: () => Promise<T>): Promise<T> {
    const key = `${this.prefix}${server}`;
    const holder = randomUUID();
    while (!(await this.redis.acquireSlot(key, Math.max(1, limit), this.leaseMs, holder)))
      await new Promise((resolve) => setTimeout(resolve, this.pollMs * (0.5 + Math.random())));
    const renewal = setInterval(() => {
      this.redis.renewSlot(key, this.leaseMs, holder).then(
        (held) => held || this.logger.warn(`server ${server}: a slot's lease ended while its job still ran`),
        (error) => this.logger.warn(`server ${server}: could not renew a slot: ${describeError(error)}`),
      );
    }, this.leaseMs / 3);
    renewal.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renewal);
      await this.redis
        .zrem(key, holder)
        .catch((error) => this.logger.warn(`server ${server}: could not free a slot: ${describeError(error)}`));
    }
  }

  close(): void {
    this.redis.disconnect();
  }
}
