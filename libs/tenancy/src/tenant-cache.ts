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

  constructor(events: CatalogEvents) {
    events.on((change) => {
      if (change.kind === 'offboarded') this.forget(change.tenantId);
    });
  }

  async get<T>(tenantId: string, key: string): Promise<T | undefined> {
    return (await this.caches.get(tenantId)?.get<T>(key)) ?? undefined;
  }

  async set<T>(tenantId: string, key: string, value: T, ttlMs = DEFAULT_TTL_MS): Promise<void> {
    let cache = this.caches.get(tenantId);
    if (!cache) this.caches.set(tenantId, (cache = createCache({ ttl: DEFAULT_TTL_MS })));
    await cache.set(key, value, ttlMs);
  }

  async del(tenantId: string, key: string): Promise<void> {
    await this.caches.get(tenantId)?.del(key);
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
