import type { AppConfig } from '@app/config';
import { bucketState, TenantRateLimiter, TokenBuckets } from './tenant-rate-limiter';

const buckets = (rps: number) => new TokenBuckets(rps);
const waitOf = (b: TokenBuckets, key: string, now: number) => b.take(key, now).retryAfter;

describe('TokenBuckets (in this process)', () => {
  it('allows a one-second burst, then refuses with the seconds to wait, then refills', () => {
    const b = buckets(5);
    const t0 = 1_000_000;
    expect(Array.from({ length: 5 }, () => waitOf(b, 'a', t0))).toEqual([0, 0, 0, 0, 0]);
    expect(waitOf(b, 'a', t0)).toBe(1);
    expect(waitOf(b, 'a', t0 + 200)).toBe(0); // 200 ms = one token at 5/s
    expect(waitOf(b, 'a', t0 + 200)).toBeGreaterThan(0);
  });

  it('keeps buckets apart: a noisy one never spends another one’s tokens', () => {
    const b = buckets(2);
    const t0 = 5_000;
    waitOf(b, 'tenant:noisy', t0);
    waitOf(b, 'tenant:noisy', t0);
    expect(waitOf(b, 'tenant:noisy', t0)).toBeGreaterThan(0);
    expect(waitOf(b, 'tenant:quiet', t0)).toBe(0);
    expect(waitOf(b, 'tenant:quiet', t0)).toBe(0);
  });

  it('is off at 0', () => {
    const b = buckets(0);
    expect(Array.from({ length: 1000 }, () => waitOf(b, 'a', 1)).every((w) => w === 0)).toBe(true);
  });

  it('tells the limit, what is left and when the bucket is full again (RateLimit-* headers)', () => {
    const b = buckets(4);
    const t0 = 10_000;
    expect(b.take('k', t0)).toEqual({ retryAfter: 0, limit: 4, remaining: 3, reset: 1 });
    for (let i = 0; i < 3; i++) b.take('k', t0);
    expect(b.take('k', t0)).toEqual({ retryAfter: 1, limit: 4, remaining: 0, reset: 1 });
  });

  it('never adds tokens for a clock that went backwards', () => {
    const b = buckets(2);
    b.take('k', 10_000);
    b.take('k', 10_000);
    expect(b.take('k', 9_000).retryAfter).toBeGreaterThan(0);
  });

  it('makes room among 100,000 buckets by dropping refilled ones, never a live tenant bucket', () => {
    const b = buckets(5);
    b.take('tenant:busy', 5_000);
    for (let i = 0; i < 99_999; i++) b.take(`anonymous-ip:${i}`, 0);
    for (let i = 0; i < 4; i++) b.take('tenant:busy', 5_000);
    expect(b.take('tenant:busy', 5_000).retryAfter).toBeGreaterThan(0);
    b.take('anonymous-ip:newcomer', 5_100);
    expect(b.size).toBe(2);
    expect(b.take('tenant:busy', 5_100).retryAfter).toBeGreaterThan(0);
  });
});

describe('bucketState (the headers from the tokens a bucket holds)', () => {
  it('answers a refusal with at least one second to wait, however little is missing', () => {
    expect(bucketState(10, 0.95, false)).toEqual({ retryAfter: 1, limit: 10, remaining: 0, reset: 1 });
  });

  it('counts only whole requests as remaining and whole seconds until full', () => {
    expect(bucketState(3, 1.5, true)).toEqual({ retryAfter: 0, limit: 3, remaining: 1, reset: 1 });
  });
});

describe('TenantRateLimiter without REDIS_URL', () => {
  const limiter = (rps: number) =>
    new TenantRateLimiter({ tenantRateLimitRps: rps, tenantDbPrefix: 'tenant_' } as AppConfig);

  it('counts in this process: a tenant gets its burst, then waits, and another tenant is untouched', async () => {
    const l = limiter(3);
    const waits = await Promise.all(Array.from({ length: 5 }, () => l.take('a')));
    expect(waits.filter((w) => w === 0)).toHaveLength(3);
    expect(waits.filter((w) => w > 0)).toHaveLength(2);
    expect(await l.take('b')).toBe(0);
    expect(l.local.size).toBe(2);
    expect(l.degraded).toBe(false);
  });

  it('keeps named buckets apart from tenant buckets (anonymous traffic never spends a tenant)', async () => {
    const l = limiter(2);
    for (let i = 0; i < 5; i++) await l.consume('anonymous-tenant:victim');
    expect(await l.take('victim')).toBe(0);
    expect(await l.take('victim')).toBe(0);
  });

  it('is off at 0 and then keeps no bucket', async () => {
    const l = limiter(0);
    expect(await l.consume('tenant:a')).toEqual({ retryAfter: 0, limit: 0, remaining: 0, reset: 0 });
    expect(l.local.size).toBe(0);
  });

  it('answers synchronously from the same buckets as consume, so both spend one budget', async () => {
    const l = limiter(2);
    expect(l.consumeHere('tenant:a')).toMatchObject({ retryAfter: 0, remaining: 1 });
    expect((await l.consume('tenant:a')).retryAfter).toBe(0);
    expect(l.consumeHere('tenant:a')?.retryAfter).toBeGreaterThan(0);
    expect(limiter(0).consumeHere('tenant:a')).toEqual({ retryAfter: 0, limit: 0, remaining: 0, reset: 0 });
  });
});

describe('TenantRateLimiter with REDIS_URL', () => {
  it('never answers synchronously: the shared buckets decide', () => {
    const l = new TenantRateLimiter({
      tenantRateLimitRps: 5,
      tenantDbPrefix: 'tenant_',
      redisUrl: 'redis://127.0.0.1:1',
    } as AppConfig);
    try {
      expect(l.consumeHere('tenant:a')).toBeUndefined();
    } finally {
      l.onApplicationShutdown();
    }
  });
});
