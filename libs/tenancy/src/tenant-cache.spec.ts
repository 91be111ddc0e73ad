import type { CatalogEvents, CacheChange, TenantChange } from './catalog-events';
import type { AppConfig } from '@app/config';
import { TenantCache } from './tenant-cache';

const CONFIG = { tenantDbPrefix: 'tenant_' } as AppConfig;

function events() {
  const changeListeners: ((c: TenantChange) => void)[] = [];
  const cacheListeners: ((c: CacheChange) => unknown)[] = [];
  const published: CacheChange[] = [];
  const fake = {
    on: (l: (c: TenantChange) => void) => changeListeners.push(l),
    onCache: (l: (c: CacheChange) => unknown) => cacheListeners.push(l),
    publishCache: (c: CacheChange) => {
      published.push(c);
      return Promise.resolve();
    },
  } as unknown as CatalogEvents;
  return {
    fake,
    published,
    emit: (c: TenantChange) => changeListeners.forEach((l) => l(c)),
    /** Another instance's change, as pub/sub delivers it. */
    receive: (c: CacheChange) => cacheListeners.forEach((l) => l(c)),
  };
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

  it('keeps the newest version of a versioned entry when an older one is written later', () => {
    const cache = new TenantCache(events().fake, CONFIG);
    cache.setVersioned('a', 'user:1', { active: false }, 2);
    expect(cache.setVersioned('a', 'user:1', { active: true }, 1)).toEqual({ active: false });
    expect(cache.getVersioned('a', 'user:1')).toEqual({ active: false });
  });

  it('replaces a versioned entry with the same or a higher version', () => {
    const cache = new TenantCache(events().fake, CONFIG);
    cache.setVersioned('a', 'user:1', 'v1', 1);
    cache.setVersioned('a', 'user:1', 'v3', 3);
    expect(cache.getVersioned('a', 'user:1')).toBe('v3');
  });

  it('publishes the version of a shared versioned entry, so other instances compare too', async () => {
    const bus = events();
    const cache = new TenantCache(bus.fake, CONFIG);
    await cache.shareVersioned('a', 'user:1', { ver: 4 }, 4, 1000);
    expect(bus.published).toEqual([
      { tenantId: 'a', key: 'user:1', op: 'set', value: { ver: 4 }, ttlMs: 1000, version: 4 },
    ]);
  });

  it('forgets an expired versioned entry, whatever its version', async () => {
    const cache = new TenantCache(events().fake, CONFIG);
    cache.setVersioned('a', 'user:1', 'old', 9, 1);
    await new Promise((r) => setTimeout(r, 5));
    expect(cache.getVersioned('a', 'user:1')).toBeUndefined();
    cache.setVersioned('a', 'user:1', 'new', 1);
    expect(cache.getVersioned('a', 'user:1')).toBe('new');
  });

  it('answers an entry this process holds synchronously, and nothing once it expired', async () => {
    const cache = new TenantCache(events().fake, CONFIG);
    await cache.set('a', 'fam:1', true, 20);
    expect(cache.peek('a', 'fam:1')).toBe(true);
    expect(cache.peek('b', 'fam:1')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 30));
    expect(cache.peek('a', 'fam:1')).toBeUndefined();
    expect(await cache.get('a', 'fam:1')).toBeUndefined();
  });

  it('holds at once what another instance shared or deleted, before any await', () => {
    const bus = events();
    const cache = new TenantCache(bus.fake, CONFIG);
    bus.receive({ tenantId: 'a', key: 'fam:9', op: 'set', value: true, ttlMs: 1000 });
    expect(cache.peek('a', 'fam:9')).toBe(true);
    bus.receive({ tenantId: 'a', key: 'fam:9', op: 'del' });
    expect(cache.peek('a', 'fam:9')).toBeUndefined();
  });

  it('keeps every live entry of a tenant however many there are (a revocation is never pushed out)', async () => {
    const cache = new TenantCache(events().fake, CONFIG);
    await cache.set('a', 'fam:revoked', true, 60_000);
    for (let i = 0; i < 10_050; i++) await cache.set('a', `fam:${i}`, true, i < 10_000 ? 1 : 60_000);
    await new Promise((r) => setTimeout(r, 5));
    await cache.set('a', 'fam:last', true);
    expect(cache.peek('a', 'fam:revoked')).toBe(true);
    expect(cache.peek('a', 'fam:10049')).toBe(true);
  });

  it('says whether a local miss is final: only without a shared tier', () => {
    expect(new TenantCache(events().fake, CONFIG).localOnly).toBe(true);
  });
});
