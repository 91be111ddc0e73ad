import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';

interface Bucket {
  tokens: number;
  updated: number;
}

const MAX_BUCKETS = 100_000;

/**
 * A token bucket per tenant (TENANT_RATE_LIMIT_RPS, a one-second burst): one noisy tenant gets
 * 429s while the others keep their throughput. Per API instance; 0 turns it off.
 */
@Injectable()
export class TenantRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.rate = config.tenantRateLimitRps;
  }

  /** Takes one request's token; returns 0 when allowed, else the seconds to wait. */
  take(tenantId: string, now = Date.now()): number {
    if (this.rate <= 0) return 0;
    let bucket = this.buckets.get(tenantId);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
      bucket = { tokens: this.rate, updated: now };
      this.buckets.set(tenantId, bucket);
    }
    bucket.tokens = Math.min(this.rate, bucket.tokens + ((now - bucket.updated) / 1000) * this.rate);
    bucket.updated = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate));
  }
}
