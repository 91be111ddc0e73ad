import { Injectable } from '@nestjs/common';
import { Cache, createCache } from 'cache-manager';
import { CatalogEvents } from './catalog-events';

const DEFAULT_TTL_MS = 60_000;

/**
 * Caches namespaced by tenant: two tenants with the same key never read each other's value,
 * and an offboarded tenant's entries are dropped at once, wherever they were cached.
 */
@Injectable()
export class TenantCache {
  private readonly caches = new Map<string, Cache>();

  constructor(private readonly events: CatalogEvents) {
    events.on((change) => {
      if (change.kind === 'offboarded') this.forget(change.tenantId);
    });
    events.onCache((change) =>
      change.op === 'set' ? this.set(change.tenantId, change.key, change.value, change.ttlMs) : this.del(change.tenantId, change.key, false),
    );
  }

  async get<T>(tenantId: string, key: string): Promise<T | undefined> {
    return (await this.caches.get(tenantId)?.get<T>(key)) ?? undefined;
  }

  async set<T>(tenantId: string, key: string, value: T, ttlMs = DEFAULT_TTL_MS): Promise<void> {
    let cache = this.caches.get(tenantId);
    if (!cache) this.caches.set(tenantId, (cache = createCache({ ttl: DEFAULT_TTL_MS })));
    await cache.set(key, value, ttlMs);
  }

  /** Sets the entry here and on every other instance (e.g. a revoked sign-in). */
  async share<T>(tenantId: string, key: string, value: T, ttlMs = DEFAULT_TTL_MS): Promise<void> {
    await this.set(tenantId, key, value, ttlMs);
    await this.events.publishCache({ tenantId, key, op: 'set', value, ttlMs });
  }

  /** Drops the entry here and, unless told otherwise, on every other instance. */
  async del(tenantId: string, key: string, everywhere = true): Promise<void> {
    await this.caches.get(tenantId)?.del(key);
    if (everywhere) await this.events.publishCache({ tenantId, key, op: 'del' });
  }

  forget(tenantId: string): void {
    const cache = this.caches.get(tenantId);
    this.caches.delete(tenantId);
    void cache?.clear();
  }

  /** Tenants with something cached (for tests and metrics). */
  tenants(): string[] {
    return [...this.caches.keys()];
  }
}
