import type { AppConfig } from '@app/config';
import type { ResolvedTenant, TenantCache, TenantContext, TenantOrmRegistry } from '@app/tenancy';
import { LiveSessions } from './live-sessions';
import type { Principal } from './roles';

const acme = { id: 'tenant-acme', slug: 'acme' } as ResolvedTenant;
const caller: Principal = {
  sub: 'user-1',
  role: 'manager',
  scope: 'tenant',
  tid: 'acme',
  ver: 0,
  jti: 'jti-1',
  fam: 'fam-1',
};

function sessions(cache: Partial<TenantCache>) {
  const full = {
    getVersioned: () => ({ ver: 0, active: true, role: 'manager' }),
    ...cache,
  } as unknown as TenantCache;
  const config = { jwt: { accessTtlSeconds: 900 } } as AppConfig;
  return new LiveSessions(full, {} as TenantOrmRegistry, {} as TenantContext, config);
}

describe('LiveSessions.assertCurrent', () => {
  it('refuses a token of a revoked family held in this process, without asking a shared tier', () => {
    const get = jest.fn();
    const live = sessions({ peek: jest.fn(() => true) as TenantCache['peek'], localOnly: false, get });
    expect(() => live.assertCurrent(acme, caller)).toThrow('The access token is missing, expired or invalid.');
    expect(get).not.toHaveBeenCalled();
  });

  it('admits a live family without a shared tier, from this process alone and without a promise', () => {
    const get = jest.fn();
    const live = sessions({ peek: jest.fn(() => undefined) as TenantCache['peek'], localOnly: true, get });
    expect(live.assertCurrent(acme, caller)).toBeUndefined();
    expect(get).not.toHaveBeenCalled();
  });

  it('asks the shared tier on a local miss, and refuses a family revoked on another instance', async () => {
    const get = jest.fn(() => Promise.resolve(true)) as unknown as TenantCache['get'];
    const live = sessions({ peek: jest.fn(() => undefined) as TenantCache['peek'], localOnly: false, get });
    await expect(live.assertCurrent(acme, caller)).rejects.toMatchObject({ status: 401 });
    expect(get).toHaveBeenCalledWith('tenant-acme', 'fam:fam-1');
  });

  it('reads the family under the tenant of the request only', () => {
    const peek = jest.fn((tenantId: string) => (tenantId === 'tenant-globex' ? true : undefined));
    const live = sessions({ peek: peek as TenantCache['peek'], localOnly: true });
    expect(live.assertCurrent(acme, caller)).toBeUndefined();
    expect(peek).toHaveBeenCalledWith('tenant-acme', 'fam:fam-1');
  });

  it('refuses a token whose user changed role, from the cached state, before any family check', () => {
    const peek = jest.fn(() => undefined);
    const live = sessions({ peek: peek as TenantCache['peek'], localOnly: true });
    expect(() => live.assertCurrent(acme, { ...caller, role: 'company_admin' })).toThrow();
    expect(peek).not.toHaveBeenCalled();
  });
});
