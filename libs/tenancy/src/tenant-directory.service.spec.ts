import type { Tenant } from '@app/catalog';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { CatalogEvents } from './catalog-events';
import { TenantDirectory } from './tenant-directory.service';

function catalogRow(slug: string, status = 'active'): Tenant {
  return {
    id: `id-${slug}`,
    slug,
    name: slug,
    status,
    dbServer: { name: 'main' },
    dbName: `tenant_${slug}`,
    dbRole: `tenant_${slug}`,
    dbPasswordEnc: 'sealed',
    schemaVersion: 'Migration1',
  } as unknown as Tenant;
}

describe('TenantDirectory', () => {
  let rows: Map<string, Tenant>;
  let findOne: jest.Mock<Promise<Tenant | null>, [unknown, { slug: string }]>;
  let onChange: (change: { slug: string }) => unknown;
  let directory: TenantDirectory;

  beforeEach(() => {
    rows = new Map([['acme', catalogRow('acme')]]);
    findOne = jest.fn((_entity: unknown, where: { slug: string }) => Promise.resolve(rows.get(where.slug) ?? null));
    const orm = { em: { fork: () => ({ findOne }) } } as unknown as MikroORM;
    const events = { on: (fn: typeof onChange) => (onChange = fn) } as unknown as CatalogEvents;
    directory = new TenantDirectory(orm, events);
  });

  it('answers a tenant it has read from memory, synchronously, without reading the catalog again', async () => {
    expect(directory.peek('acme')).toBeUndefined();
    await expect(directory.find('acme')).resolves.toMatchObject({ id: 'id-acme', dbServer: 'main' });
    expect(directory.peek('acme')).toMatchObject({ id: 'id-acme' });
    await directory.find('acme');
    expect(findOne).toHaveBeenCalledTimes(1);
  });

  it('remembers an unknown or offboarded slug as null for a short while only', async () => {
    rows.set('gone', catalogRow('gone', 'offboarded'));
    await expect(directory.find('nobody')).resolves.toBeNull();
    await expect(directory.find('gone')).resolves.toBeNull();
    const now = Date.now();
    expect(directory.peek('nobody', now)).toBeNull();
    expect(directory.peek('nobody', now + 5_001)).toBeUndefined();
  });

  it('reads the catalog again once a found tenant is 30 s old', async () => {
    await directory.find('acme');
    expect(directory.peek('acme', Date.now() + 30_001)).toBeUndefined();
    await directory.find('acme');
    expect(findOne).toHaveBeenCalledTimes(2);
  });

  it('forgets a tenant when the catalog says it changed, so the next request sees the change', async () => {
    await directory.find('acme');
    rows.set('acme', catalogRow('acme', 'suspended'));
    onChange({ slug: 'acme' });
    expect(directory.peek('acme')).toBeUndefined();
    await expect(directory.find('acme')).resolves.toMatchObject({ status: 'suspended' });
  });

  it('does not keep what a lookup read before an invalidation that came while it waited', async () => {
    let answer!: (row: Tenant) => void;
    findOne.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    const lookup = directory.find('acme');
    await Promise.resolve();
    await directory.invalidate('acme');
    answer(catalogRow('acme', 'active'));
    await expect(lookup).resolves.toMatchObject({ status: 'active' });
    expect(directory.peek('acme')).toBeUndefined();
  });

  it('answers 503 catalog-unavailable when the catalog cannot be read, and caches nothing', async () => {
    findOne.mockRejectedValueOnce(new Error('connection refused'));
    await expect(directory.find('acme')).rejects.toMatchObject({ status: 503 });
    expect(directory.peek('acme')).toBeUndefined();
  });
});
