import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';

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

/**
 * Token buckets (TENANT_RATE_LIMIT_RPS, a one-second burst): one per tenant for its signed-in
 * callers, so one noisy tenant gets 429s while the others keep their throughput, and separate
 * ones for anonymous requests (per client IP, per tenant's sign-in) that never spend a tenant's
 * budget. Per API instance; 0 turns it off.
 */
@Injectable()
export class TenantRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  readonly rate: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.rate = config.tenantRateLimitRps;
  }

  /** Takes one request's token from a tenant's bucket; returns 0 when allowed, else the seconds to wait. */
  take(tenantId: string, now = Date.now()): number {
    return this.consume(`tenant:${tenantId}`, now).retryAfter;
  }

  /** Takes one token from the named bucket (when it has one) and tells what is left. */
  consume(key: string, now = Date.now()): RateLimitState {
    const rate = this.rate;
    if (rate <= 0) return { retryAfter: 0, limit: 0, remaining: 0, reset: 0 };
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: rate, updated: now };
      if (this.buckets.size >= MAX_BUCKETS) this.sweepFull(now);
      // Still full of live buckets (a flood from many addresses): the newcomer is not kept, and no live bucket is dropped.
      if (this.buckets.size < MAX_BUCKETS) this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.updated) / 1000) * rate);
    bucket.updated = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    return {
      retryAfter: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / rate)),
      limit: rate,
      remaining: Math.floor(bucket.tokens),
      reset: Math.ceil((rate - bucket.tokens) / rate),
    };
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
