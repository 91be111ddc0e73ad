import Redis from 'ioredis';

/**
 * Where idempotency records live: opaque values under keys, each with a time to live. Every
 * method is one atomic step, so of any number of concurrent requests with one key exactly one
 * claims it; `replace` and `release` touch a key only while it still holds the caller's claim.
 */
export interface IdempotencyStore {
  /** Stores `value` for `ttlMs` unless the key holds a live value; answers that value, or undefined when this call claimed the key. */
  claim(key: string, value: string, ttlMs: number): Promise<string | undefined>;
  /** Replaces the claim `expected` (or a key that has expired meanwhile) with `value` for `ttlMs`; another request's claim stays. */
  replace(key: string, expected: string, value: string, ttlMs: number): Promise<void>;
  /** Deletes the key if it still holds `expected`. */
  release(key: string, expected: string): Promise<void>;
  /** Gives the claim `expected` a new time to live; false when the key holds it no longer. */
  renew(key: string, expected: string, ttlMs: number): Promise<boolean>;
}

interface Slot {
  value: string;
  expiresAt: number;
}

/**
 * The store of one API process (no REDIS_URL): a Map changed only in synchronous steps, so no
 * await falls between a check and its write. Bounded: beyond `maxEntries` the oldest entries are
 * dropped (a Map iterates in insertion order, and every write re-inserts); expired ones are swept.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly slots = new Map<string, Slot>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly maxEntries = 50_000,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  get size(): number {
    return this.slots.size;
  }

  claim(key: string, value: string, ttlMs: number): Promise<string | undefined> {
    const held = this.live(key);
    if (held !== undefined) return Promise.resolve(held);
    this.write(key, value, ttlMs);
    return Promise.resolve(undefined);
  }

  replace(key: string, expected: string, value: string, ttlMs: number): Promise<void> {
    const held = this.live(key);
    if (held === undefined || held === expected) this.write(key, value, ttlMs);
    return Promise.resolve();
  }

  release(key: string, expected: string): Promise<void> {
    if (this.live(key) === expected) this.slots.delete(key);
    return Promise.resolve();
  }

  renew(key: string, expected: string, ttlMs: number): Promise<boolean> {
    if (this.live(key) !== expected) return Promise.resolve(false);
    this.write(key, expected, ttlMs);
    return Promise.resolve(true);
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private live(key: string): string | undefined {
    const slot = this.slots.get(key);
    if (!slot) return undefined;
    if (slot.expiresAt > this.now()) return slot.value;
    this.slots.delete(key);
    return undefined;
  }

  private write(key: string, value: string, ttlMs: number): void {
    this.slots.delete(key);
    this.slots.set(key, { value, expiresAt: this.now() + ttlMs });
    if (this.slots.size <= this.maxEntries) return;
    this.sweep();
    for (const oldest of this.slots.keys()) {
      if (this.slots.size <= this.maxEntries) break;
      this.slots.delete(oldest);
    }
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, slot] of this.slots) if (slot.expiresAt <= now) this.slots.delete(key);
  }
}

/** KEYS: key. ARGV: value, ttl ms. Nil when this call claimed the key, else the value it holds. */
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])
`;

/** KEYS: key. ARGV: expected, value, ttl ms. */
const REPLACE = `
local held = redis.call('GET', KEYS[1])
if not held or held == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 0
`;

/** KEYS: key. ARGV: expected. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`;

/** KEYS: key. ARGV: expected, ttl ms. 1 when renewed. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** The store every API replica shares (REDIS_URL): each step is one Lua script, atomic on the server. */
export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(private readonly redis: Redis) {}

  async claim(key: string, value: string, ttlMs: number): Promise<string | undefined> {
    const held = (await this.redis.eval(CLAIM, 1, key, value, ttlMs)) as string | null;
    return held ?? undefined;
  }

  async replace(key: string, expected: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.eval(REPLACE, 1, key, expected, value, ttlMs);
  }

  async release(key: string, expected: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, key, expected);
  }

  async renew(key: string, expected: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, key, expected, ttlMs)) === 1;
  }
}
