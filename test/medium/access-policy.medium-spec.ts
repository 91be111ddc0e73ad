import { type AccessAttempt, AccessPolicy, type ApiScope, MANAGERS, type RouteAccess, User } from '@app/auth';
import { TenantLifecycle } from '@app/fleet';
import { ApiKeysService } from '../../libs/auth/src/api-keys/api-keys.service';
import { MediumApp, MediumTenant } from '../support/medium-app';

/** A tenant route open to managers, and to API keys with `leads:read`. */
const managersRoute: RouteAccess = {
  isPublic: false,
  withoutTenant: false,
  access: { roles: MANAGERS, apiKeyScope: 'leads:read' },
};
const noHints = { header: undefined, host: undefined };

describe('AccessPolicy on the real catalog and tenant databases (two tenants)', () => {
  let medium: MediumApp;
  let policy: AccessPolicy;
  let acme: MediumTenant;
  let globex: MediumTenant;

  beforeAll(async () => {
    medium = await MediumApp.start();
    policy = medium.get(AccessPolicy);
    [acme, globex] = await Promise.all([medium.newTenant('acme'), medium.newTenant('globex')]);
  });
  afterAll(() => medium?.stop());

  const keyOf = async (tenant: MediumTenant, scopes: ApiScope[]) =>
    (await tenant.runAs(tenant.admin, (p) => medium.get(ApiKeysService).create(p, { name: 'Sync', scopes }))).key;

  it("admits a manager's token and resolves the token's own tenant", async () => {
    const manager = await acme.newUser('manager');
    const attempt: AccessAttempt = { hints: noHints, user: manager.principal };
    await policy.admit(managersRoute, attempt);
    expect(attempt.tenant).toMatchObject({ slug: acme.slug, id: acme.id });
  });

  it("refuses a token sent with another tenant's X-Tenant-ID (403 tenant-mismatch)", async () => {
    const manager = await acme.newUser('manager');
    await expect(
      policy.admit(managersRoute, { hints: { header: globex.slug, host: undefined }, user: manager.principal }),
    ).rejects.toMatchObject({ status: 403, code: 'tenant-mismatch' });
  });

  it('refuses a staff token on a managers route, and the refused attempt still names tenant and caller', async () => {
    const staff = await globex.newUser('staff');
    const attempt: AccessAttempt = { hints: noHints, user: staff.principal };
    await expect(policy.admit(managersRoute, attempt)).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    expect(attempt.tenant?.slug).toBe(globex.slug);
    expect(attempt.user?.sub).toBe(staff.id);
  });

  it("refuses a token whose role no longer matches the user's row (401)", async () => {
    const staff = await acme.newUser('staff');
    const claimsManager = { ...staff.principal, role: 'manager' as const };
    await expect(policy.admit(managersRoute, { hints: noHints, user: claimsManager })).rejects.toMatchObject({
      status: 401,
    });
  });

  it('refuses the token of a deactivated user (401)', async () => {
    const manager = await globex.newUser('manager');
    await globex.run((em) => em.nativeUpdate(User, { id: manager.id }, { active: false }));
    await expect(policy.admit(managersRoute, { hints: noHints, user: manager.principal })).rejects.toMatchObject({
      status: 401,
    });
  });

  it("admits a key with the route's scope, acting as its tenant and creator", async () => {
    const key = await keyOf(globex, ['leads:read']);
    const attempt: AccessAttempt = { hints: noHints };
    await policy.admitApiKey(managersRoute, key, attempt);
    expect(attempt.tenant?.slug).toBe(globex.slug);
    expect(attempt.user).toMatchObject({ sub: globex.admin.id, role: 'company_admin' });
  });

  it('refuses a key without the route scope (403)', async () => {
    const key = await keyOf(acme, ['deals:read']);
    await expect(policy.admitApiKey(managersRoute, key, { hints: noHints })).rejects.toMatchObject({ status: 403 });
  });

  it("refuses one tenant's key sent with the other tenant's X-Tenant-ID (403 tenant-mismatch)", async () => {
    const key = await keyOf(acme, ['leads:read']);
    await expect(
      policy.admitApiKey(managersRoute, key, { hints: { header: globex.slug, host: undefined } }),
    ).rejects.toMatchObject({ status: 403, code: 'tenant-mismatch' });
  });

  it("refuses a key whose tenant prefix was changed to the other tenant's (401 invalid-api-key)", async () => {
    const key = await keyOf(acme, ['leads:read']);
    const forged = key.replace(`tsk.${acme.slug}.`, `tsk.${globex.slug}.`);
    await expect(policy.admitApiKey(managersRoute, forged, { hints: noHints })).rejects.toMatchObject({
      status: 401,
      code: 'invalid-api-key',
    });
  });

  it("refuses a suspended tenant's users (403 tenant-suspended) while the other tenant is served", async () => {
    const initech = await medium.newTenant('initech');
    const manager = await initech.newUser('manager');
    await medium.get(TenantLifecycle).suspend(initech.slug);
    await expect(policy.admit(managersRoute, { hints: noHints, user: manager.principal })).rejects.toMatchObject({
      status: 403,
      code: 'tenant-suspended',
    });
    const other = await acme.newUser('manager');
    await expect(policy.admit(managersRoute, { hints: noHints, user: other.principal })).resolves.toBeUndefined();
  });
});
