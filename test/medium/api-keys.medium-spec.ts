import { ApiKey, AuthException, hashToken } from '@app/auth';
import { NotFoundException } from '@app/common';
import { ApiKeysService } from '../../libs/auth/src/api-keys/api-keys.service';
import { CreateApiKeyDto } from '../../libs/auth/src/api-keys/dto/create-api-key.dto';
import { UsersService } from '../../libs/auth/src/users/users.service';
import { MediumApp, MediumTenant, MediumUser } from '../support/medium-app';

const badKey = { status: 401, code: 'invalid-api-key' };

describe('ApiKeysService (two tenants)', () => {
  let medium: MediumApp;
  let keys: ApiKeysService;
  let acme: MediumTenant;
  let globex: MediumTenant;

  beforeAll(async () => {
    medium = await MediumApp.start();
    keys = medium.get(ApiKeysService);
    [acme, globex] = await Promise.all([medium.newTenant('acme'), medium.newTenant('globex')]);
  });
  afterAll(() => medium?.stop());

  const create = (tenant: MediumTenant, user: MediumUser = tenant.admin, dto: Partial<CreateApiKeyDto> = {}) =>
    tenant.runAs(user, (p) => keys.create(p, { name: 'Sync', scopes: ['leads:read'], ...dto }));

  it('creates a key named after its tenant, shown once and stored only as its hash', async () => {
    const created = await create(acme);
    const row = await acme.run((em) => em.findOneOrFail(ApiKey, { id: created.id }));
    expect(created.key).toMatch(new RegExp(`^tsk\\.${acme.slug}\\.[A-Za-z0-9_-]{43}$`));
    expect(row.keyHash).toBe(hashToken(created.key));
    expect(created.key.startsWith(row.keyPrefix)).toBe(true);
    expect(row.keyPrefix.length).toBeLessThan(created.key.length);
  });

  it('refuses an expiry in the past (400 expiresAt)', async () => {
    await expect(
      create(acme, acme.admin, { expiresAt: new Date(Date.now() - 1000).toISOString() }),
    ).rejects.toMatchObject({ status: 400, errors: [{ field: 'expiresAt' }] });
  });

  it("lists only the tenant's own keys, without secrets", async () => {
    const mine = await create(acme);
    const theirs = await create(globex);
    const listed = (await acme.run(() => keys.list())).data;
    expect(listed.map((k) => k.id)).toContain(mine.id);
    expect(listed.map((k) => k.id)).not.toContain(theirs.id);
    expect(listed.every((k) => !('key' in k) && !('keyHash' in k))).toBe(true);
  });

  it("authenticates a key on its own tenant as its creator, with the key's scopes", async () => {
    const manager = await acme.newUser('manager');
    const created = await create(acme, manager, { scopes: ['leads:read', 'deals:write'] });
    const principal = await keys.authenticate(acme.resolved, created.key);
    expect(principal).toMatchObject({
      sub: manager.id,
      role: 'manager',
      tid: acme.slug,
      scope: 'tenant',
      apiKey: { id: created.id, scopes: ['leads:read', 'deals:write'] },
    });
  });

  it('refuses a key on another tenant (401 invalid-api-key)', async () => {
    const created = await create(acme);
    await expect(keys.authenticate(globex.resolved, created.key)).rejects.toMatchObject(badKey);
  });

  it('refuses a key whose secret was changed (401 invalid-api-key)', async () => {
    const created = await create(acme);
    const tampered = created.key.slice(0, -1) + (created.key.endsWith('A') ? 'B' : 'A');
    await expect(keys.authenticate(acme.resolved, tampered)).rejects.toBeInstanceOf(AuthException);
    await expect(keys.authenticate(acme.resolved, tampered)).rejects.toMatchObject(badKey);
  });

  it('refuses a revoked key at once', async () => {
    const created = await create(acme);
    await keys.authenticate(acme.resolved, created.key); // cached now
    await acme.run(() => keys.revoke(created.id));
    await expect(keys.authenticate(acme.resolved, created.key)).rejects.toMatchObject(badKey);
  });

  it("refuses to revoke another tenant's key (404), which keeps working", async () => {
    const created = await create(acme);
    await expect(globex.run(() => keys.revoke(created.id))).rejects.toBeInstanceOf(NotFoundException);
    expect((await keys.authenticate(acme.resolved, created.key)).apiKey?.id).toBe(created.id);
  });

  it('refuses a key once it has expired', async () => {
    const created = await create(acme, acme.admin, { expiresAt: new Date(Date.now() + 300).toISOString() });
    await keys.authenticate(acme.resolved, created.key);
    await new Promise((r) => setTimeout(r, 400));
    await expect(keys.authenticate(acme.resolved, created.key)).rejects.toMatchObject(badKey);
  });

  it("acts with no more than its creator's current role", async () => {
    const manager = await acme.newUser('manager');
    const created = await create(acme, manager);
    await acme.run(() => medium.get(UsersService).update(manager.id, { role: 'staff' }));
    expect((await keys.authenticate(acme.resolved, created.key)).role).toBe('staff');
  });

  it('stops when its creator is deactivated', async () => {
    const manager = await acme.newUser('manager');
    const created = await create(acme, manager);
    await acme.run(() => medium.get(UsersService).deactivate(manager.id));
    await expect(keys.authenticate(acme.resolved, created.key)).rejects.toMatchObject(badKey);
  });
});
