// @app/config decorates with class-transformer, which needs the Reflect metadata API the entry points load first.
import 'reflect-metadata';
import type { AppConfig } from '@app/config';
import { ResolvedTenant, TenantDirectory, TenantResolver, TenantSchema } from '@app/tenancy';
import { AccessAttempt, AccessPolicy, RouteAccess } from './access-policy';
import type { ApiKeysService } from './api-keys/api-keys.service';
import { AuthErrors } from './auth.exception';
import type { LiveSessions } from './live-sessions';
import { COMPANY_ADMINS, MANAGERS, type Principal, SUPER_ADMINS, TENANT_USERS } from './roles';

const tenant = (slug: string): ResolvedTenant => ({
  id: `id-${slug}`,
  slug,
  name: slug,
  status: 'active',
  dbServer: 'main',
  dbName: `tenant_${slug}`,
  dbRole: `tenant_${slug}`,
  dbPasswordEnc: 'sealed',
  schemaVersion: '',
  writesFrozen: false,
  plan: 'standard',
});
const TENANTS: Record<string, ResolvedTenant> = { acme: tenant('acme'), globex: tenant('globex') };

const manager: Principal = { sub: 'user-1', role: 'manager', tid: 'acme', scope: 'tenant', jti: 'jti-1', ver: 1 };
const staff: Principal = { ...manager, sub: 'user-2', role: 'staff' };
const root: Principal = { sub: 'root-1', role: 'super_admin', scope: 'platform', jti: 'jti-2', fam: 'fam-1' };
const ACME_KEY = `tsk.acme.${'k'.repeat(43)}`;

const tenantRoute = (access?: RouteAccess['access']): RouteAccess => ({
  isPublic: false,
  withoutTenant: false,
  access,
});
const platformRoute: RouteAccess = { isPublic: false, withoutTenant: true, access: { roles: SUPER_ADMINS } };
const publicRoute: RouteAccess = { isPublic: true, withoutTenant: false };
const leadsRead = tenantRoute({ roles: TENANT_USERS, apiKeyScope: 'leads:read' });

function setup() {
  const directory = {
    find: jest.fn((slug: string) => Promise.resolve(TENANTS[slug] ?? null)),
    peek: jest.fn((_slug: string): ResolvedTenant | null | undefined => undefined),
  };
  const config = { baseDomain: 'tessera.test' } as AppConfig;
  const schema = { migrations: [] } as unknown as TenantSchema;
  const resolver = new TenantResolver(directory as unknown as TenantDirectory, config, schema);
  const sessions = {
    assertCurrent: jest.fn(() => Promise.resolve()),
    assertPlatformCurrent: jest.fn(() => Promise.resolve()),
  };
  const keyCaller = (scopes: string[], role: Principal['role'] = 'manager'): Principal => ({
    sub: 'user-1',
    role,
    tid: 'acme',
    scope: 'tenant',
    jti: 'key-1',
    apiKey: { id: 'key-1', scopes },
  });
  const apiKeys = { authenticate: jest.fn(() => Promise.resolve(keyCaller(['leads:read']))) };
  const policy = new AccessPolicy(resolver, apiKeys as unknown as ApiKeysService, sessions as unknown as LiveSessions);
  return { policy, directory, sessions, apiKeys, keyCaller };
}

const attemptBy = (user?: Principal, header?: string): AccessAttempt => ({ hints: { header }, user });

describe('AccessPolicy: roles', () => {
  it('admits a caller whose role the route names', async () => {
    const { policy } = setup();
    const attempt = attemptBy(manager);
    await policy.admit(tenantRoute({ roles: MANAGERS }), attempt);
    expect(attempt.tenant).toEqual(TENANTS.acme);
  });

  it('refuses a caller whose role the route does not name with 403', async () => {
    const { policy } = setup();
    await expect(policy.admit(tenantRoute({ roles: MANAGERS }), attemptBy(staff))).rejects.toMatchObject({
      status: 403,
      code: 'forbidden',
    });
  });

  it('refuses every caller on a route without @Access (deny by default)', async () => {
    const { policy } = setup();
    await expect(policy.admit(tenantRoute(), attemptBy({ ...manager, role: 'company_admin' }))).rejects.toMatchObject({
      status: 403,
    });
  });

  it('refuses a protected route without a verified caller with 401', async () => {
    const { policy } = setup();
    await expect(
      policy.admit(tenantRoute({ roles: TENANT_USERS }), attemptBy(undefined, 'acme')),
    ).rejects.toMatchObject({ status: 401 });
  });

  it('keeps the tenant and the caller of a refused attempt, for the audit trail of denials', async () => {
    const { policy } = setup();
    const attempt = attemptBy(staff);
    await expect(policy.admit(tenantRoute({ roles: COMPANY_ADMINS }), attempt)).rejects.toBeDefined();
    expect(attempt).toMatchObject({ tenant: TENANTS.acme, user: staff });
  });
});

describe('AccessPolicy: public routes', () => {
  it('admits an anonymous caller on a public route of the tenant the header names', async () => {
    const { policy } = setup();
    const attempt = attemptBy(undefined, 'globex');
    await policy.admit(publicRoute, attempt);
    expect(attempt.tenant).toEqual(TENANTS.globex);
  });

  it('takes a public route’s tenant from the request when no header names one (@TenantFrom)', async () => {
    const { policy } = setup();
    const attempt: AccessAttempt = { hints: {}, tenantFromRequest: 'acme' };
    await policy.admit(publicRoute, attempt);
    expect(attempt.tenant).toEqual(TENANTS.acme);
  });

  describe('with @TenantFrom naming its own answer for an unknown tenant', () => {
    const refreshRoute: RouteAccess = { ...publicRoute, unknownTenant: AuthErrors.badRefresh };

    it('answers it when the tenant read from the request is unknown (not 404)', async () => {
      const { policy } = setup();
      const attempt: AccessAttempt = { hints: {}, tenantFromRequest: 'nope' };
      await expect(policy.admit(refreshRoute, attempt)).rejects.toMatchObject({
        status: 401,
        code: 'invalid-refresh-token',
      });
    });

    it('answers it when nothing names a tenant (not 400 tenant-required)', async () => {
      const { policy } = setup();
      await expect(policy.admit(refreshRoute, attemptBy())).rejects.toMatchObject({
        status: 401,
        code: 'invalid-refresh-token',
      });
    });

    it('keeps 404 for a header naming an unknown tenant, and 403 when header and request disagree', async () => {
      const { policy } = setup();
      await expect(policy.admit(refreshRoute, attemptBy(undefined, 'nope'))).rejects.toMatchObject({ status: 404 });
      const crossed: AccessAttempt = { hints: { header: 'globex' }, tenantFromRequest: 'acme' };
      await expect(policy.admit(refreshRoute, crossed)).rejects.toMatchObject({ status: 403 });
    });

    it('still resolves a known tenant from the request', async () => {
      const { policy } = setup();
      const attempt: AccessAttempt = { hints: {}, tenantFromRequest: 'acme' };
      await policy.admit(refreshRoute, attempt);
      expect(attempt.tenant).toEqual(TENANTS.acme);
    });
  });

  it('never takes a protected route’s tenant from the request, only from the credential or the header', async () => {
    const { policy } = setup();
    const attempt: AccessAttempt = { hints: {}, tenantFromRequest: 'acme', user: root };
    await expect(policy.admit(tenantRoute({ roles: SUPER_ADMINS }), attempt)).rejects.toMatchObject({ status: 403 });
    expect(attempt.tenant).toBeUndefined();
  });

  it('refuses a public tenant route that names no tenant with 400 tenant-required', async () => {
    const { policy } = setup();
    await expect(policy.admit(publicRoute, attemptBy())).rejects.toMatchObject({
      status: 400,
      code: 'tenant-required',
    });
  });

  it('admits an anonymous caller on a public route without a tenant, resolving none', async () => {
    const { policy, directory } = setup();
    const attempt = attemptBy(undefined, 'acme');
    await policy.admit({ isPublic: true, withoutTenant: true }, attempt);
    expect(attempt.tenant).toBeUndefined();
    expect(directory.find).not.toHaveBeenCalled();
  });
});

describe('AccessPolicy: tenants of tenant tokens', () => {
  it('refuses a token of one tenant used on another with 403 tenant-mismatch', async () => {
    const { policy } = setup();
    await expect(policy.admit(leadsRead, attemptBy(manager, 'globex'))).rejects.toMatchObject({
      status: 403,
      code: 'tenant-mismatch',
    });
  });

  it('refuses a token whose tenant does not exist with 404', async () => {
    const { policy } = setup();
    await expect(policy.admit(leadsRead, attemptBy({ ...manager, tid: 'initech' }))).rejects.toMatchObject({
      status: 404,
    });
  });

  it('refuses a tenant token that is no longer current with 401, still naming its tenant', async () => {
    const { policy, sessions } = setup();
    sessions.assertCurrent.mockRejectedValueOnce(AuthErrors.badToken());
    const attempt = attemptBy(manager);
    await expect(policy.admit(leadsRead, attempt)).rejects.toMatchObject({ status: 401 });
    expect(attempt.tenant).toEqual(TENANTS.acme);
  });
});

describe('AccessPolicy: platform and tenant principals', () => {
  it('admits a platform token on a platform route without resolving a tenant', async () => {
    const { policy, directory } = setup();
    const attempt = attemptBy(root, 'acme');
    await policy.admit(platformRoute, attempt);
    expect(attempt.tenant).toBeUndefined();
    expect(directory.find).not.toHaveBeenCalled();
  });

  it('refuses a platform token whose sign-in was signed out with 401', async () => {
    const { policy, sessions } = setup();
    sessions.assertPlatformCurrent.mockRejectedValueOnce(AuthErrors.badToken());
    await expect(policy.admit(platformRoute, attemptBy(root))).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a platform token on a tenant route with 403, whatever the route’s roles', async () => {
    const { policy } = setup();
    const route = tenantRoute({ roles: ['super_admin', 'company_admin'] });
    await expect(policy.admit(route, attemptBy(root, 'acme'))).rejects.toMatchObject({
      status: 403,
      code: 'forbidden',
    });
  });

  it('refuses a tenant token on a platform route with 403, whatever the route’s roles', async () => {
    const { policy } = setup();
    const route: RouteAccess = { ...platformRoute, access: { roles: ['super_admin', 'manager'] } };
    await expect(policy.admit(route, attemptBy(manager))).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });
});

describe('AccessPolicy: API keys', () => {
  it('admits a key that has the route’s scope, as its tenant and creator', async () => {
    const { policy, keyCaller } = setup();
    const attempt = attemptBy();
    await policy.admitApiKey(leadsRead, ACME_KEY, attempt);
    expect(attempt).toMatchObject({ tenant: TENANTS.acme, user: keyCaller(['leads:read']) });
  });

  it('refuses a key without the route’s scope with 403', async () => {
    const { policy, apiKeys, keyCaller } = setup();
    apiKeys.authenticate.mockResolvedValueOnce(keyCaller(['deals:read']));
    await expect(policy.admitApiKey(leadsRead, ACME_KEY, attemptBy())).rejects.toMatchObject({
      status: 403,
      code: 'forbidden',
    });
  });

  it('refuses every key on a route that declares no API-key scope with 403', async () => {
    const { policy } = setup();
    await expect(policy.admitApiKey(tenantRoute({ roles: TENANT_USERS }), ACME_KEY, attemptBy())).rejects.toMatchObject(
      { status: 403 },
    );
  });

  it('refuses a key whose creator’s current role the route does not name with 403', async () => {
    const { policy, apiKeys, keyCaller } = setup();
    apiKeys.authenticate.mockResolvedValueOnce(keyCaller(['leads:read'], 'staff'));
    const route = tenantRoute({ roles: MANAGERS, apiKeyScope: 'leads:read' });
    await expect(policy.admitApiKey(route, ACME_KEY, attemptBy())).rejects.toMatchObject({
      status: 403,
      code: 'forbidden',
    });
  });

  it('keeps the tenant and the key of a refused attempt, for the audit trail of denials', async () => {
    const { policy, apiKeys, keyCaller } = setup();
    apiKeys.authenticate.mockResolvedValueOnce(keyCaller([]));
    const attempt = attemptBy();
    await expect(policy.admitApiKey(leadsRead, ACME_KEY, attempt)).rejects.toBeDefined();
    expect(attempt).toMatchObject({ tenant: TENANTS.acme, user: keyCaller([]) });
  });

  it('refuses a key on a route without a tenant with 403, before looking the key up', async () => {
    const { policy, apiKeys } = setup();
    await expect(policy.admitApiKey(platformRoute, ACME_KEY, attemptBy())).rejects.toMatchObject({ status: 403 });
    expect(apiKeys.authenticate).not.toHaveBeenCalled();
  });

  it('refuses a malformed key with 401 invalid-api-key', async () => {
    const { policy } = setup();
    await expect(policy.admitApiKey(leadsRead, 'not-a-key', attemptBy())).rejects.toMatchObject({
      status: 401,
      code: 'invalid-api-key',
    });
  });

  it('refuses a key of one tenant used on another with 403 tenant-mismatch', async () => {
    const { policy, apiKeys } = setup();
    await expect(policy.admitApiKey(leadsRead, ACME_KEY, attemptBy(undefined, 'globex'))).rejects.toMatchObject({
      status: 403,
      code: 'tenant-mismatch',
    });
    expect(apiKeys.authenticate).not.toHaveBeenCalled();
  });
});

describe('AccessPolicy.admitNow (all in memory)', () => {
  function inMemory() {
    const parts = setup();
    parts.directory.peek.mockImplementation((slug) => TENANTS[slug] ?? null);
    parts.sessions.assertCurrent.mockImplementation(() => undefined as unknown as Promise<void>);
    return parts;
  }

  it('admits without a promise when the tenant and the caller’s state are in memory', () => {
    const { policy, directory } = inMemory();
    const attempt = attemptBy(manager);
    expect(policy.admitNow(tenantRoute({ roles: MANAGERS }), attempt)).toBeUndefined();
    expect(attempt.tenant).toEqual(TENANTS.acme);
    expect(directory.find).not.toHaveBeenCalled();
  });

  it('refuses at once, with the tenant known for the audit trail, a role the route does not name', () => {
    const { policy } = inMemory();
    const attempt = attemptBy(staff);
    expect(() => policy.admitNow(tenantRoute({ roles: MANAGERS }), attempt)).toThrow(
      expect.objectContaining({ status: 403, code: 'forbidden' }) as Error,
    );
    expect(attempt.tenant).toEqual(TENANTS.acme);
  });

  it('still checks the session in memory: a stale token is refused before its role is looked at', () => {
    const { policy, sessions } = inMemory();
    sessions.assertCurrent.mockImplementation(() => {
      throw AuthErrors.badToken();
    });
    expect(() => policy.admitNow(tenantRoute({ roles: MANAGERS }), attemptBy(staff))).toThrow(
      expect.objectContaining({ status: 401 }) as Error,
    );
  });

  it('refuses a token naming another tenant than the header, without a lookup', () => {
    const { policy, directory } = inMemory();
    expect(() => policy.admitNow(leadsRead, attemptBy(manager, 'globex'))).toThrow(
      expect.objectContaining({ status: 403, code: 'tenant-mismatch' }) as Error,
    );
    expect(directory.peek).not.toHaveBeenCalled();
  });
});
