import type { AppConfig } from '@app/config';
import { Logger } from '@nestjs/common';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RedisServerSlots } from '@app/fleet';
import { TenantRateLimiter } from '@app/tenancy';
import { startRedisServer } from './support/redis-server';
import { freePort, sleep, until } from './support/wait';

/**
 * The Lua-backed limits against a real Redis, as two replicas see them: two instances of each
 * class on one Redis, under a key prefix of this run that is deleted at the end.
 */
const url = () => process.env.TESSERA_TEST_REDIS!;
const prefix = `rl${randomBytes(4).toString('hex')}_`;
const limiterOn = (redisUrl: string | undefined, rps: number) =>
  new TenantRateLimiter({ tenantRateLimitRps: rps, tenantDbPrefix: prefix, redisUrl } as AppConfig);

let admin: Redis;
const closers: (() => void)[] = [];

beforeAll(() => {
  admin = new Redis(url());
});
afterAll(async () => {
  closers.forEach((close) => close());
  const keys = await admin.keys(`tessera:${prefix}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
});

/**
 * Two replicas' limiters on one Redis, both connected: on a busy machine a first connection may
 * take longer than the command timeout, and a limiter then counts locally for a moment (by design);
 * these tests are about the shared bucket, so they start once both reach Redis.
 */
async function twoLimiters(rps: number): Promise<[TenantRateLimiter, TenantRateLimiter]> {
  const pair: [TenantRateLimiter, TenantRateLimiter] = [limiterOn(url(), rps), limiterOn(url(), rps)];
  pair.forEach((l) => closers.push(() => l.onApplicationShutdown()));
  for (const limiter of pair)
    await until(
      'the limiter to reach Redis',
      async () => {
        await limiter.consume(`warm-up:${randomBytes(4).toString('hex')}`);
        return !limiter.degraded;
      },
      15_000,
    );
  return pair;
}

describe('the tenant rate limit on Redis (two limiters, one bucket per tenant)', () => {
  it('lets at most one burst (plus what refills meanwhile) through for 40 takes at once split over both', async () => {
    const [a, b] = await twoLimiters(5);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).consume('tenant:acme')));
    const seconds = (Date.now() - started) / 1000;
    const allowed = answers.filter((s) => s.retryAfter === 0);
    expect(allowed.length).toBeGreaterThanOrEqual(5);
    expect(allowed.length).toBeLessThanOrEqual(5 + Math.ceil(seconds * 5));
    expect(answers.filter((s) => s.retryAfter > 0).every((s) => s.retryAfter >= 1 && s.remaining === 0)).toBe(true);
    expect(answers.every((s) => s.limit === 5)).toBe(true);
    expect(a.degraded || b.degraded).toBe(false);
  });

  it("keeps two tenants' buckets apart: the other tenant still gets its whole burst", async () => {
    const [a, b] = await twoLimiters(4);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).take('noisy')));
    const quiet = await Promise.all(Array.from({ length: 4 }, (_, i) => (i % 2 ? a : b).take('quiet')));
    expect(quiet).toEqual([0, 0, 0, 0]);
  });

  it('stores a bucket with an expiry no longer than a refill, so an idle key vanishes', async () => {
    const [a] = await twoLimiters(5);
    await a.take('idle');
    const key = `tessera:${prefix}:rate:tenant:idle`;
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1000);
    await until('the idle bucket to expire', async () => (await admin.exists(key)) === 0, 10_000);
  });

  it('tells the RateLimit-* numbers from the shared bucket: remaining counts down across both limiters', async () => {
    const [a, b] = await twoLimiters(3);
    const first = await a.consume('tenant:countdown');
    const second = await b.consume('tenant:countdown');
    expect(first).toMatchObject({ retryAfter: 0, limit: 3, remaining: 2, reset: 1 });
    expect(second.retryAfter).toBe(0);
    expect(second.remaining).toBeLessThanOrEqual(1);
    expect(a.local.size + b.local.size).toBe(0);
  });
});

describe('the tenant rate limit when Redis does not answer', () => {
  let redis: ChildProcess | undefined;
  afterAll(() => redis?.kill('SIGTERM'));

  const startRedis = async (port: number) => {
    redis = await startRedisServer(port);
  };

  it('counts in this process with one warning line, and goes back to Redis once it answers', async () => {
    const port = await freePort();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const limiter = limiterOn(`redis://127.0.0.1:${port}`, 3);
    closers.push(() => limiter.onApplicationShutdown());
    try {
      const down = await Promise.all(Array.from({ length: 10 }, () => limiter.consume('tenant:offline')));
      expect(down.filter((s) => s.retryAfter === 0)).toHaveLength(3);
      expect(limiter.degraded).toBe(true);
      expect(limiter.local.size).toBe(1);
      for (let i = 0; i < 5; i++) await limiter.consume('tenant:offline');
      expect(warn.mock.calls.filter(([line]) => /Redis unavailable/.test(String(line)))).toHaveLength(1);

      await startRedis(port);
      const back = new Redis(`redis://127.0.0.1:${port}`);
      try {
        await until(
          'the limiter to use Redis again',
          async () => {
            await limiter.consume('tenant:online');
            return !limiter.degraded && (await back.exists(`tessera:${prefix}:rate:tenant:online`)) === 1;
          },
          20_000,
        );
      } finally {
        back.disconnect();
      }
      expect(log.mock.calls.filter(([line]) => /shared on Redis again/.test(String(line)))).toHaveLength(1);
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });
});

describe('per-server slots on Redis (two workers, one limit)', () => {
  const slotsPair = (options: { leaseMs?: number; pollMs?: number } = {}) => {
    const pair = [
      new RedisServerSlots(url(), `tessera:${prefix}:slots:`, options),
      new RedisServerSlots(url(), `tessera:${prefix}:slots:`, options),
    ];
    pair.forEach((s) => closers.push(() => s.close()));
    return pair;
  };

  /** Runs `jobs` holders over both workers; returns the most that ever ran at once. */
  async function peak(limit: number, jobs: number, server: string): Promise<number> {
    const [a, b] = slotsPair({ pollMs: 20 });
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: jobs }, (_, i) =>
        (i % 2 ? a : b).use(server, limit, async () => {
          most = Math.max(most, ++running);
          await sleep(40);
          running--;
        }),
      ),
    );
    return most;
  }

  it('never runs more than 1 at once for limit 1 (12 jobs over both workers)', async () => {
    expect(await peak(1, 12, 'db-one')).toBe(1);
  });

  it('runs up to the limit at once for limit 3 (12 jobs over both workers), never more', async () => {
    expect(await peak(3, 12, 'db-three')).toBe(3);
  });

  it('keeps servers apart: a full server does not hold up another', async () => {
    const [a, b] = slotsPair({ pollMs: 20 });
    let release!: () => void;
    const holding = a.use('db-busy', 1, () => new Promise<void>((resolve) => (release = resolve)));
    await until('the slot to be held', async () => (await admin.zcard(`tessera:${prefix}:slots:db-busy`)) === 1);
    await expect(b.use('db-free', 1, () => Promise.resolve('ran'))).resolves.toBe('ran');
    release();
    await holding;
    expect(await admin.exists(`tessera:${prefix}:slots:db-busy`)).toBe(0);
  });

  it("gives a dead worker's slot back when its lease ends", async () => {
    const dying = new RedisServerSlots(url(), `tessera:${prefix}:slots:`, { leaseMs: 1000, pollMs: 50 });
    const [survivor] = slotsPair({ pollMs: 50 });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    let finish!: () => void;
    const stuck = dying.use('db-lease', 1, () => new Promise<void>((resolve) => (finish = resolve)));
    try {
      await until('the slot to be held', async () => (await admin.zcard(`tessera:${prefix}:slots:db-lease`)) === 1);
      dying.close(); // the worker is gone: no renewal, no release
      // Without the lease this would wait forever (the test's timeout).
      await expect(survivor.use('db-lease', 1, () => Promise.resolve('ran'))).resolves.toBe('ran');
      expect(await admin.exists(`tessera:${prefix}:slots:db-lease`)).toBe(0);
    } finally {
      finish();
      await stuck.catch(() => undefined);
      warn.mockRestore();
    }
  });
});
