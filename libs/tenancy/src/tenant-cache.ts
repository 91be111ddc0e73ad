import { boundedShutdownStep } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { createKeyvNonBlocking } from '@keyv/redis';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Cache, createCache } from 'cache-manager';
import Redis from 'ioredis';
import { CatalogEvents } from './catalog-events';

const DEFAULT_TTL_MS = 60_000;
const MAX_VERSIONED_PER_TENANT = 10_000;

interface Versioned {
  version: number;
  value: unknown;
  expiresAt: number;
}
const SHARED_TIMEOUT_MS = 250;

function within<T>(promise: Promise<T>, fallback: T): Promise<T> {
  return Promise.race([
    promise.catch(() => fallback),
    new Promise<T>((resolve) => setTimeout(() => resolve(fallback), SHARED_TIMEOUT_MS).unref()),
  ]);
}

/**
 * Caches namespaced by tenant (cache-manager): an in-process tier per tenant and, with Redis,
 * a shared tier (Keyv on Redis) every instance reads on a local miss. Two tenants with the
 * same key never read each other's value; changes that must be seen everywhere (revocations,
 * invalidations) are pushed to every instance's local tier over pub/sub; an offboarded
 * tenant's entries are dropped in both tiers. A Redis outage leaves the local tier working.
 */
@Injectable()
export class TenantCache implements OnApplicationShutdown {
  private readonly logger = new Logger(TenantCache.name);
  private readonly caches = new Map<string, Cache>();
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
    events.onCache(async (change) => {
      if (change.op === 'set' && change.version !== undefined)
        this.setVersioned(change.tenantId, change.key, change.value, change.version, change.ttlMs);
      else if (change.op === 'set') await this.local(change.tenantId).set(change.key, change.value, change.ttlMs);
      else await this.caches.get(change.tenantId)?.del(change.key);
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
    const local = await this.caches.get(tenantId)?.get<T>(key);
    if (local !== undefined && local !== null) return local;
    if (!this.shared) return undefined;
    const remote = await within(this.shared.get<T>(`${tenantId}:${key}`), undefined);
    if (remote !== undefined && remote !== null) await this.local(tenantId).set(key, remote, DEFAULT_TTL_MS);
    return remote ?? undefined;
  }

  async set<T>(tenantId: string, key: string, value: T, ttlMs = DEFAULT_TTL_MS): Promise<void> {
    await this.local(tenantId).set(key, value, ttlMs);
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
    await this.caches.get(tenantId)?.del(key);
    if (this.shared) await within(this.shared.del(`${tenantId}:${key}`), false);
    await this.events.publishCache({ tenantId, key, op: 'del' });
  }

  /** Drops every entry of a tenant, local and shared. */
  async forget(tenantId: string): Promise<void> {
    const cache = this.caches.get(tenantId);
    this.caches.delete(tenantId);
    this.versioned.delete(tenantId);
    await cache?.clear();
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

  private local(tenantId: string): Cache {
    let cache = this.caches.get(tenantId);
    if (!cache) this.caches.set(tenantId, (cache = createCache({ ttl: DEFAULT_TTL_MS })));
    return cache;
  }
}
