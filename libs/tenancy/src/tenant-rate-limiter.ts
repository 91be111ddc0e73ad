import { APP_CONFIG, AppConfig } from '@app/config';
import { LimitScript, SharedLimitStore } from '@app/common';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';

interface Bucket {
  tokens: number;
  updated: number;
}

/** What a bucket says about one request, for the RateLimit-* answer headers. */
export interface RateLimitState {
  /** 0 when the request may go on, else the seconds to wait (Retry-After). */
  retryAfter: number;
  /** The bucket's size (a one-second burst). */
  limit: number;
  /** Whole requests left right now. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  reset: number;
}

const MAX_BUCKETS = 100_000;
const OFF: RateLimitState = { retryAfter: 0, limit: 0, remaining: 0, reset: 0 };

/** The answer of a bucket holding `tokens` (fractional) after a request was `allowed` or not. */
export function bucketState(rate: number, tokens: number, allowed: boolean): RateLimitState {
  return {
    retryAfter: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / rate)),
    limit: rate,
    remaining: Math.floor(tokens),
    reset: Math.ceil((rate - tokens) / rate),
  };
}

/**
 * The token bucket on Redis, one step for every replica. KEYS: the bucket. ARGV: the rate (and
 * size). The clock is Redis's own (TIME), so replicas with skewed clocks still share one
 * bucket. A missing key is a full bucket: the key expires when the bucket would be full again,
 * so idle tenants and addresses leave nothing behind. Returns {1 allowed | 0 refused, tokens
 * left as a string (fractional)}.
 */
const TAKE_TOKEN: LimitScript = {
  keys: 1,
  lua: `
local rate = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(saved[1])
local updated = tonumber(saved[2])
if tokens == nil or updated == nil then
  tokens = rate
  updated = now
end
tokens = math.min(rate, tokens + math.max(0, now - updated) * rate / 1000)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', now)
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((rate - tokens) * 1000 / rate)))
return {allowed, tostring(tokens)}
`,
};

/** In-process token buckets of one size (the same arithmetic as the script). */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly rate: number) {}

  /** Takes one token from the named bucket (when it has one) and tells what is left; `rate`: this bucket's own. */
  take(key: string, now = Date.now(), rate = this.rate): RateLimitState {
    if (rate <= 0) return OFF;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: rate, updated: now };
      if (this.buckets.size >= MAX_BUCKETS) this.sweepFull(now);
      // Still full of live buckets (a flood from many addresses): the newcomer is not kept, and no live bucket is dropped.
      if (this.buckets.size < MAX_BUCKETS) this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(rate, bucket.tokens + (Math.max(0, now - bucket.updated) / 1000) * rate);
    bucket.updated = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    return bucketState(rate, bucket.tokens, allowed);
  }

  /** Drops buckets that have refilled (a full bucket is the same as none): one second untouched is enough. */
  private sweepFull(now: number): void {
    for (const [key, bucket] of this.buckets) if (now - bucket.updated >= 1000) this.buckets.delete(key);
  }

  /** Buckets held now (for tests). */
  get size(): number {
    return this.buckets.size;
  }
}

/**
 * Token buckets (TENANT_RATE_LIMIT_RPS, a one-second burst): one per tenant for its signed-in
 * callers, so one noisy tenant gets 429s while the others keep their throughput, and separate
 * ones for anonymous requests (per client IP, per tenant's sign-in) that never spend a tenant's
 * budget. With REDIS_URL the buckets live on Redis (one script call per bucket taken), shared by
 * every API instance; without it, or while Redis does not answer, in this process. 0 turns it off.
 */
@Injectable()
export class TenantRateLimiter implements OnApplicationShutdown {
  readonly rate: number;
  /** The buckets of this process: the only ones without Redis, the fallback with it. */
  readonly local: TokenBuckets;
  private readonly shared?: SharedLimitStore;
  private readonly prefix: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.rate = config.tenantRateLimitRps;
    this.local = new TokenBuckets(this.rate);
    this.prefix = `tessera:${config.tenantDbPrefix}:rate:`;
    // Plans may set a rate even while the default is off: the shared buckets are there for them.
    if (config.redisUrl)
      this.shared = new SharedLimitStore(config.redisUrl, 'TenantRateLimiter', { takeToken: TAKE_TOKEN });
  }

  onApplicationShutdown(): void {
    this.shared?.close();
  }

  /** Takes one request's token from a tenant's bucket; resolves 0 when allowed, else the seconds to wait. */
  async take(tenantId: string): Promise<number> {
    return (await this.consume(`tenant:${tenantId}`)).retryAfter;
  }

  /** Takes one token from the named bucket (when it has one) and tells what is left; `rate`: the bucket's (a plan's). */
  async consume(key: string, rate = this.rate): Promise<RateLimitState> {
    const here = this.consumeHere(key, rate);
    if (here) return here;
    if (this.shared) {
      const reply = await this.shared.run('takeToken', [this.prefix + key], [rate]);
      if (Array.isArray(reply)) return bucketState(rate, Number(reply[1]), Number(reply[0]) === 1);
    }
    return this.local.take(key, Date.now(), rate);
  }

  /**
   * What `consume` answers, synchronously, when no Redis takes part (the limit is off, or the
   * buckets are this process's); undefined when the shared buckets must be asked.
   */
  consumeHere(key: string, rate = this.rate): RateLimitState | undefined {
    if (rate <= 0) return OFF;
    return this.shared ? undefined : this.local.take(key, Date.now(), rate);
  }

  /** True while a configured Redis does not answer and the buckets are this process's own. */
  get degraded(): boolean {
    return this.shared?.degraded ?? false;
  }
}
