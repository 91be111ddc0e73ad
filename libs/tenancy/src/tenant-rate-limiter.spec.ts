import type { AppConfig } from '@app/config';
import { TenantRateLimiter } from './tenant-rate-limiter';

const limiter = (rps: number) => new TenantRateLimiter({ tenantRateLimitRps: rps } as AppConfig);

describe('TenantRateLimiter', () => {
  it('allows a one-second burst, then refuses with the seconds to wait, then refills', () => {
    const l = limiter(5);
    const t0 = 1_000_000;
    expect(Array.from({ length: 5 }, () => l.take('a', t0))).toEqual([0, 0, 0, 0, 0]);
    expect(l.take('a', t0)).toBe(1);
    expect(l.take('a', t0 + 200)).toBe(0); // 200 ms = one token at 5/s
    expect(l.take('a', t0 + 200)).toBeGreaterThan(0);
  });

  it('keeps tenants apart: a noisy one never spends another tenant’s tokens', () => {
    const l = limiter(2);
    const t0 = 5_000;
    l.take('noisy', t0);
    l.take('noisy', t0);
    expect(l.take('noisy', t0)).toBeGreaterThan(0);
    expect(l.take('quiet', t0)).toBe(0);
    expect(l.take('quiet', t0)).toBe(0);
  });

  it('is off at 0', () => {
    const l = limiter(0);
    expect(Array.from({ length: 1000 }, () => l.take('a', 1)).every((w) => w === 0)).toBe(true);
  });

  it('tells the limit, what is left and when the bucket is full again (RateLimit-* headers)', () => {
    const l = limiter(4);
    const t0 = 10_000;
    expect(l.consume('k', t0)).toEqual({ retryAfter: 0, limit: 4, remaining: 3, reset: 1 });
    for (let i = 0; i < 3; i++) l.consume('k', t0);
    expect(l.consume('k', t0)).toEqual({ retryAfter: 1, limit: 4, remaining: 0, reset: 1 });
  });

  it('keeps named buckets apart from tenant buckets (anonymous traffic never spends a tenant)', () => {
    const l = limiter(2);
    const t0 = 20_000;
    for (let i = 0; i < 5; i++) l.consume('anonymous-tenant:victim', t0);
    expect(l.take('victim', t0)).toBe(0);
    expect(l.take('victim', t0)).toBe(0);
  });

  it('makes room among 100,000 buckets by dropping refilled ones, never a live tenant bucket', () => {
    const limiter = new TenantRateLimiter({ tenantRateLimitRps: 5 } as AppConfig);
    limiter.consume('tenant:busy', 5_000);
    for (let i = 0; i < 99_999; i++) limiter.consume(`anonymous-ip:${i}`, 0);
    for (let i = 0; i < 4; i++) limiter.consume('tenant:busy', 5_000);
    expect(limiter.consume('tenant:busy', 5_000).retryAfter).toBeGreaterThan(0);
    limiter.consume('anonymous-ip:newcomer', 5_100);
    expect(limiter.size).toBe(2);
    expect(limiter.consume('tenant:busy', 5_100).retryAfter).toBeGreaterThan(0);
  });
});
