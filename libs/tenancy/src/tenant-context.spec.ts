import type { MikroORM } from '@mikro-orm/postgresql';
import { ResolvedTenant } from './resolved-tenant';
import { TenantContext } from './tenant-context';

const tenant = (slug: string): ResolvedTenant => ({
  id: slug,
  slug,
  name: slug,
  status: 'active',
  dbServer: 'main',
  dbName: `tenant_${slug}`,
  dbRole: `tenant_${slug}`,
  dbPasswordEnc: 'v1:x:y:z',
  schemaVersion: null,
  writesFrozen: false,
  plan: 'standard',
});

function fakeOrm(label: string): { orm: MikroORM; forks: number } {
  const state = { forks: 0, orm: undefined as unknown as MikroORM };
  state.orm = { em: { fork: () => ({ label, n: ++state.forks }) } } as unknown as MikroORM;
  return state;
}

describe('TenantContext', () => {
  const context = new TenantContext();

  it('fails closed outside a tenant context', () => {
    expect(context.active).toBe(false);
    expect(() => context.em).toThrow(/No tenant context/);
    expect(() => context.tenant).toThrow(/No tenant context/);
  });

  it('gives one EntityManager fork per context, made on first use', async () => {
    const a = fakeOrm('a');
    await context.run(tenant('acme'), a.orm, async () => {
      expect(a.forks).toBe(0);
      const first = context.em;
      await new Promise((r) => setTimeout(r, 1));
      expect(context.em).toBe(first);
      expect(context.tenant.slug).toBe('acme');
    });
    expect(a.forks).toBe(1);
  });

  it('keeps concurrent contexts apart across awaits', async () => {
    const a = fakeOrm('a');
    const b = fakeOrm('b');
    const seen: string[] = [];
    const work = (slug: string, orm: MikroORM, delay: number) =>
      context.run(tenant(slug), orm, async () => {
        await new Promise((r) => setTimeout(r, delay));
        seen.push(`${context.tenant.slug}:${(context.em as unknown as { label: string }).label}`);
      });
    await Promise.all([work('acme', a.orm, 10), work('globex', b.orm, 1), work('acme', a.orm, 5)]);
    expect(seen.sort()).toEqual(['acme:a', 'acme:a', 'globex:b']);
    expect(context.active).toBe(false);
  });
});
