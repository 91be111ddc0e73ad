import type { CatalogEvents, CacheChange, TenantChange } from './catalog-events';
import type { AppConfig } from '@app/config';
import { TenantCache } from './tenant-cache';

const CONFIG = { tenantDbPrefix: 'tenant_' } as AppConfig;

function events() {
  const changeListeners: ((c: TenantChange) => void)[] = [];
  const published: CacheChange[] = [];
  const fake = {
    on: (l: (c: TenantChange) => void) => changeListeners.push(l),
    onCache: () => undefined,
    publishCache: async (c: CacheChange) => void published.push(c),
  } as unknown as CatalogEvents;
  return { fake, published, emit: (c: TenantChange) => changeListeners.forEach((l) => l(c)) };
}

describe('TenantCache', () => {
  it('never lets two tenants read each other’s value under the same key', async () => {
    const cache = new TenantCache(events().fake, CONFIG);
    await cache.set('tenant-a', 'user:1', { role: 'company_admin' });
    await cache.set('tenant-b', 'user:1', { role: 'staff' });
    expect(await cache.get('tenant-a', 'user:1')).toEqual({ role: 'company_admin' });
    expect(await cache.get('tenant-b', 'user:1')).toEqual({ role: 'staff' });
    expect(await cache.get('tenant-c', 'user:1')).toBeUndefined();
  });

  it('drops every entry of an offboarded tenant, and only that tenant’s', async () => {
    const bus = events();
    const cache = new TenantCache(bus.fake, CONFIG);
    await cache.set('a', 'k', 1);
    await cache.set('b', 'k', 2);
    bus.emit({ slug: 'a-slug', tenantId: 'a', kind: 'offboarded' });
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('a', 'k')).toBeUndefined();
    expect(await cache.get('b', 'k')).toBe(2);
    expect(cache.tenants()).toEqual(['b']);
  });

  it('tells other instances of shared entries and deletions', async () => {
    const bus = events();
    const cache = new TenantCache(bus.fake, CONFIG);
    await cache.share('a', 'fam:1', true, 1000);
    await cache.del('a', 'user:2');
    expect(bus.published).toEqual([
      { tenantId: 'a', key: 'fam:1', op: 'set', value: true, ttlMs: 1000 },
      { tenantId: 'a', key: 'user:2', op: 'del' },
    ]);
  });
});
