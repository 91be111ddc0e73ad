import { boundedShutdownStep } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { createKeyvNonBlocking } from '@keyv/redis';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { type Cache, createCache } from 'cache-manager';
import Redis from 'ioredis';
import { CatalogEvents } from './catalog-events';

const DEFAULT_TTL_MS = 60_000;
const MAX_VERSIONED_PER_TENANT = 10_000;

interface Versioned {
  version: number;
  value: unknown;
  expiresAt: number;
}

interface Entry {
  value: unknown;
  expiresAt: number;
}

/** A tenant's local tier past this many entries is swept of expired ones (live ones are never dropped: a revocation must hold). */
const SWEEP_LOCAL_AT = 10_000;
const SHARED_TIMEOUT_MS = 250;

function within<T>(promise: Promise<T>, fallback: T): Promise<T> {
  return Promise.race([
    promise.catch(() => fallback),
    new Promise<T>((resolve) => setTimeout(() => resolve(fallback), SHARED_TIMEOUT_MS).unref()),
  ]);
}

/**
 * Caches namespaced by tenant: an in-process tier per tenant (plain maps, read synchronously)
 * and, with Redis, a shared tier (cache-manager on Keyv/Redis) every instance reads on a local miss. Two tenants with the
 * same key never read each other's value; changes that must be seen everywhere (revocations,
 * invalidations) are pushed to every instance's local tier over pub/sub; an offboarded
 * tenant's entries are dropped in both tiers. A Redis outage leaves the local tier working.
 */
@Injectable()
export class TenantCache implements OnApplicationShutdown {
  private readonly logger = new Logger(TenantCache.name);
  private readonly caches = new Map<string, Map<string, Entry>>();
  /** Entries that only move forward, compared and replaced synchronously (no await between). */
  private readonly versioned = new Map<string, Map<string, Versioned>>();
  private readonly shared?: Cache;
  private readonly sharedPrefix: string;
  private readonly redisUrl?: string;
  private readonly shutdownBoundMs: number;

  constructor(
    private readonly events: CatalogEvents,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.sharedPrefix = `tessera:${config.tenantDbPrefix}:cache`;
    this.redisUrl = config.redisUrl;
    this.shutdownBoundMs = config.shutdownTimeoutMs / 2;
    if (config.redisUrl) {
      this.shared = createCache({
        stores: [createKeyvNonBlocking(config.redisUrl, { namespace: this.sharedPrefix })],
        ttl: DEFAULT_TTL_MS,
      });
    }
    events.on((change) => {
      if (change.kind === 'offboarded') void this.forget(change.tenantId);
    });
    events.onCache((change) => {
      if (change.op === 'set' && change.version !== undefined)
        this.setVersioned(change.tenantId, change.key, change.value, change.version, change.ttlMs);
      else if (change.op === 'set') this.setLocal(change.tenantId, change.key, change.value, change.ttlMs);
      else this.caches.get(change.tenantId)?.delete(change.key);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.shared)
      await boundedShutdownStep(
        'tenant cache: Redis disconnect',
        () => this.shared!.disconnect(),
        this.shutdownBoundMs,
      );
  }

  async get<T>(tenantId: string, key: string): Promise<T | undefined> {
    const local = this.peek<T>(tenantId, key);
    if (local !== undefined || !this.shared) return local;
    const remote = await within(this.shared.get<T>(`${tenantId}:${key}`), undefined);
    if (remote !== undefined && remote !== null) this.setLocal(tenantId, key, remote, DEFAULT_TTL_MS);
    return remote ?? undefined;
  }

  /**
   * The entry when this process holds it, synchronously; undefined means absent here, and absent
   * everywhere only when `local` (no shared tier to ask). What `get` answers, without a promise
   * when it can.
   */
  peek<T>(tenantId: string, key: string): T | undefined {
    const entry = this.caches.get(tenantId)?.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return (entry.value ?? undefined) as T | undefined;
    this.caches.get(tenantId)!.delete(key);
    return undefined;
  }

  /** True without a shared tier: a local miss is a miss. */
  get localOnly(): boolean {
    return this.shared === undefined;
  }

  async set<T>(tenantId: string, key: string, value: T, ttlMs = DEFAULT_TTL_MS): Promise<void> {
    this.setLocal(tenantId, key, value, ttlMs);
    if (this.shared) await within(this.shared.set(`${tenantId}:${key}`, value, ttlMs), undefined);
  }

  /** Sets the entry here, in the shared tier and in every other instance's local tier (e.g. a revoked sign-in). */
  async share<T>(tenantId: string, key: string, value: T, ttlMs = DEFAULT_TTL_MS): Promise<void> {
    await this.set(tenantId, key, value, ttlMs);
    await this.events.publishCache({ tenantId, key, op: 'set', value, ttlMs });
  }

  /**
   * For state whose version only grows (a user's token version): every instance keeps the
   * highest version it has seen, so a late write of an older state — a request that read the
   * database before a change committed, or two changes whose writes cross — never replaces a
   * newer one. Local tiers only; a miss reads the database.
   */
  async shareVersioned<T>(
    tenantId: string,
    key: string,
    value: T,
    version: number,
    ttlMs = DEFAULT_TTL_MS,
  ): Promise<void> {
    this.setVersioned(tenantId, key, value, version, ttlMs);
    await this.events.publishCache({ tenantId, key, op: 'set', value, ttlMs, version });
  }

  /** Keeps `value` unless a higher version is already held; returns what is held now. */
  setVersioned<T>(tenantId: string, key: string, value: T, version: number, ttlMs = DEFAULT_TTL_MS): T {
    let entries = this.versioned.get(tenantId);
    if (!entries) this.versioned.set(tenantId, (entries = new Map()));
    const now = Date.now();
    const current = entries.get(key);
    if (current && current.expiresAt > now && current.version > version) return current.value as T;
    if (!current && entries.size >= MAX_VERSIONED_PER_TENANT) entries.delete(entries.keys().next().value!);
    entries.set(key, { version, value, expiresAt: now + ttlMs });
    return value;
  }

  getVersioned<T>(tenantId: string, key: string): T | undefined {
    const entry = this.versioned.get(tenantId)?.get(key);
    return entry && entry.expiresAt > Date.now() ? (entry.value as T) : undefined;
  }

  /** Drops the entry in both tiers and in every other instance's local tier. */
  async del(tenantId: string, key: string): Promise<void> {
    this.caches.get(tenantId)?.delete(key);
    if (this.shared) await within(this.shared.del(`${tenantId}:${key}`), false);
    await this.events.publishCache({ tenantId, key, op: 'del' });
  }

  /** Drops every entry of a tenant, local and shared. */
  async forget(tenantId: string): Promise<void> {
    this.caches.delete(tenantId);
    this.versioned.delete(tenantId);
    if (!this.redisUrl) return;
    const redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.sharedPrefix}::${tenantId}:*`, 'COUNT', 500);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } catch (error) {
      this.logger.warn(`could not drop the shared cache of tenant ${tenantId}: ${(error as Error).message}`);
    } finally {
      redis.disconnect();
    }
  }

  /** Tenants with something cached in this process (for tests and metrics). */
  tenants(): string[] {
    return [...new Set([...this.caches.keys(), ...this.versioned.keys()])];
  }

  private setLocal(tenantId: string, key: string, value: unknown, ttlMs = DEFAULT_TTL_MS): void {
    let entries = this.caches.get(tenantId);
    if (!entries) this.caches.set(tenantId, (entries = new Map()));
    const now = Date.now();
    if (entries.size >= SWEEP_LOCAL_AT && !entries.has(key))
      for (const [k, entry] of entries) if (entry.expiresAt <= now) entries.delete(k);
    // cache-manager's reading of a TTL of 0 or less: no expiry.
    entries.set(key, { value, expiresAt: ttlMs > 0 ? now + ttlMs : Infinity });
  }
}
