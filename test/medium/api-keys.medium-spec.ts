import { ApiKey, AuthException, hashToken } from '@app/auth';
import { NotFoundException } from '@app/common';
import { ApiKeysService } from '../../libs/auth/src/api-keys/api-keys.service';
import { CreateApiKeyDto } from '../../libs/auth/src/api-keys/dto/create-api-key.dto';
import { ListApiKeysQuery } from '../../libs/auth/src/api-keys/dto/list-api-keys.query';
import { UsersService } from '../../libs/auth/src/users/users.service';
import { MediumApp, MediumTenant, MediumUser } from '../support/medium-app';

const badKey = { status: 401, code: 'invalid-api-key' };
const query = (fields: Partial<ListApiKeysQuery> = {}): ListApiKeysQuery =>
  Object.assign(new ListApiKeysQuery(), { limit: 100, ...fields });

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
    const { data: listed, meta } = await acme.run(() => keys.list(query()));
    expect(listed.map((k) => k.id)).toContain(mine.id);
    expect(listed.map((k) => k.id)).not.toContain(theirs.id);
    expect(listed.every((k) => !('key' in k) && !('keyHash' in k))).toBe(true);
    expect(meta).toEqual({ page: 1, limit: 100, total: await acme.run((em) => em.count(ApiKey)) });
  });

  describe('list pages (two fresh tenants)', () => {
    let north: MediumTenant;
    let south: MediumTenant;
    const names = ['delta', 'alpha', 'charlie'];
    let northIds: string[];
    let southIds: string[];
    beforeAll(async () => {
      [north, south] = await Promise.all([medium.newTenant('north'), medium.newTenant('south')]);
      northIds = [];
      for (const name of names) {
        northIds.push((await create(north, north.admin, { name })).id);
        await new Promise((r) => setTimeout(r, 5)); // distinct createdAt (ms), so the default order is known
      }
      southIds = [(await create(south, south.admin, { name: 'alpha' })).id, (await create(south)).id];
    });
    const list = (tenant: MediumTenant, fields: Partial<ListApiKeysQuery>) =>
      tenant.run(() => keys.list(query(fields)));

    it("pages through one tenant's keys only, newest first, total counting that tenant's keys", async () => {
      const first = await list(north, { limit: 2 });
      const second = await list(north, { limit: 2, page: 2 });
      const third = await list(north, { limit: 2, page: 3 });
      expect(first.meta).toEqual({ page: 1, limit: 2, total: 3 });
      expect(second.meta).toEqual({ page: 2, limit: 2, total: 3 });
      expect(third).toEqual({ data: [], meta: { page: 3, limit: 2, total: 3 } });
      expect([...first.data, ...second.data].map((k) => k.id)).toEqual([...northIds].reverse());
      const south1 = await list(south, { limit: 100 });
      expect(south1.meta.total).toBe(2);
      expect(south1.data.map((k) => k.id).sort()).toEqual([...southIds].sort());
    });

    it('sorts by an allowed field, either way', async () => {
      expect((await list(north, { sort: 'name' })).data.map((k) => k.name)).toEqual(['alpha', 'charlie', 'delta']);
      expect((await list(north, { sort: '-name' })).data.map((k) => k.name)).toEqual(['delta', 'charlie', 'alpha']);
      expect((await list(north, { sort: 'createdAt' })).data.map((k) => k.id)).toEqual(northIds);
    });
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
