import { LiveSessions, PasswordHasher, RefreshTokens, type TenantRole, User } from '@app/auth';
import { NotFoundException } from '@app/common';
import { ListUsersQuery } from '../../libs/auth/src/users/dto/list-users.query';
import { UsersService } from '../../libs/auth/src/users/users.service';
import { MEDIUM_PASSWORD, MediumApp, MediumTenant, MediumUser } from '../support/medium-app';

const query = (fields: Partial<ListUsersQuery> = {}): ListUsersQuery =>
  Object.assign(new ListUsersQuery(), { limit: 100, ...fields });

describe('UsersService (two tenants)', () => {
  let medium: MediumApp;
  let users: UsersService;
  let acme: MediumTenant;
  let globex: MediumTenant;
  let made = 0;

  beforeAll(async () => {
    medium = await MediumApp.start();
    users = medium.get(UsersService);
    [acme, globex] = await Promise.all([medium.newTenant('acme'), medium.newTenant('globex')]);
  });
  afterAll(() => medium?.stop());

  /** Creates a user through the service, as a company admin would. */
  const create = (tenant: MediumTenant, role: TenantRole, email = `user${++made}@example.test`) =>
    tenant.run(() => users.create({ email, name: `User ${made}`, password: MEDIUM_PASSWORD, role }));
  const issueRefreshToken = (tenant: MediumTenant, user: MediumUser) =>
    tenant.run((em) => medium.get(RefreshTokens).issue(em, 'refresh_tokens', user.id, `rt.${tenant.slug}`));
  /** Per refresh token of the user: whether it is revoked. */
  const revoked = (tenant: MediumTenant, user: MediumUser) =>
    tenant.run(async (em) =>
      (
        await em
          .getConnection()
          .execute<{ revoked: boolean }[]>(
            'select revoked_at is not null as revoked from refresh_tokens where subject_id = ?',
            [user.id],
          )
      ).map((t) => t.revoked),
    );

  it('creates a user with a normalised email and shows no password hash', async () => {
    const user = await create(acme, 'staff', 'Sam.Seller@Example.TEST');
    expect(user).toMatchObject({ email: 'sam.seller@example.test', role: 'staff', active: true });
    expect(Object.keys(user)).not.toContain('passwordHash');
  });

  it('stores the password as an argon2 hash that verifies', async () => {
    const user = await create(acme, 'staff');
    const row = await acme.run((em) => em.findOneOrFail(User, { id: user.id }, { populate: ['passwordHash'] }));
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await medium.get(PasswordHasher).verify(row.passwordHash, MEDIUM_PASSWORD)).toBe(true);
  });

  it('refuses a second user with the same email in one tenant (409 user-exists)', async () => {
    await create(acme, 'staff', 'twice@example.test');
    await expect(create(acme, 'manager', 'TWICE@example.test')).rejects.toMatchObject({
      status: 409,
      code: 'user-exists',
    });
  });

  it('lets another tenant have a user with the same email', async () => {
    const first = await create(acme, 'staff', 'shared@example.test');
    const second = await create(globex, 'staff', 'shared@example.test');
    expect(second.email).toBe(first.email);
    expect(second.id).not.toBe(first.id);
  });

  it("lists only the tenant's own users", async () => {
    const mine = await create(acme, 'manager');
    const theirs = await create(globex, 'manager');
    const acmeIds = (await acme.run(() => users.list(query()))).data.map((u) => u.id);
    expect(acmeIds).toContain(mine.id);
    expect(acmeIds).toContain(acme.admin.id);
    expect(acmeIds).not.toContain(theirs.id);
    expect(acmeIds).not.toContain(globex.admin.id);
  });

  it('filters the list by role and activity', async () => {
    const active = await create(acme, 'manager');
    const inactive = await create(acme, 'manager');
    await acme.run(() => users.deactivate(inactive.id));
    const managers = (await acme.run(() => users.list(query({ role: 'manager' })))).data;
    const inactiveOnes = (await acme.run(() => users.list(query({ active: false })))).data;
    expect(managers.map((u) => u.id)).toEqual(expect.arrayContaining([active.id, inactive.id]));
    expect(managers.every((u) => u.role === 'manager')).toBe(true);
    expect(inactiveOnes.map((u) => u.id)).toContain(inactive.id);
    expect(inactiveOnes.map((u) => u.id)).not.toContain(active.id);
    expect(inactiveOnes.every((u) => !u.active)).toBe(true);
  });

  it('reads an updatedSince that falls in 1 BC in UTC (year 1 with an offset) as that instant', async () => {
    const [acmeAll, acmeSince] = await acme.run(() =>
      Promise.all([users.list(query()), users.list(query({ updatedSince: '0001-01-01T00:00:00+23:59' }))]),
    );
    expect(acmeSince.meta.total).toBe(acmeAll.meta.total);
    expect(acmeSince.data.map((u) => u.id)).toContain(acme.admin.id);
    expect(acmeSince.data.map((u) => u.id)).not.toContain(globex.admin.id);
  });

  it("answers another tenant's user id as missing (404)", async () => {
    await expect(globex.run(() => users.get(acme.admin.id))).rejects.toBeInstanceOf(NotFoundException);
  });

  it("refuses to change another tenant's user (404)", async () => {
    const user = await create(acme, 'staff');
    await expect(globex.run(() => users.update(user.id, { name: 'changed' }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    expect((await acme.run(() => users.get(user.id))).name).not.toBe('changed');
  });

  it('changes a name without ending the sessions', async () => {
    const user = await acme.newUser('staff');
    const updated = await acme.run(() => users.update(user.id, { name: 'Renamed' }));
    const row = await acme.run((em) => em.findOneOrFail(User, { id: user.id }));
    expect(updated.name).toBe('Renamed');
    expect(row.tokenVersion).toBe(0);
  });

  it('ends the sessions of a user whose role changes: token version, live role and refresh tokens', async () => {
    const user = await acme.newUser('manager');
    await issueRefreshToken(acme, user);
    expect(await revoked(acme, user)).toEqual([false]);
    await acme.run(() => users.update(user.id, { role: 'staff' }));
    const row = await acme.run((em) => em.findOneOrFail(User, { id: user.id }));
    expect(row.tokenVersion).toBe(1);
    expect(await medium.get(LiveSessions).currentRole(acme.resolved, user.id)).toBe('staff');
    expect(await revoked(acme, user)).toEqual([true]);
  });

  it('ends the sessions of a deactivated user', async () => {
    const user = await acme.newUser('staff');
    await issueRefreshToken(acme, user);
    await acme.run(() => users.deactivate(user.id));
    expect(await medium.get(LiveSessions).isActive(acme.resolved, user.id)).toBe(false);
    expect(await revoked(acme, user)).toEqual([true]);
  });

  it('keeps the last active company admin (409 last-company-admin)', async () => {
    // Acme's onboarded admin is its only company admin: no test here makes another one there.
    const last = { status: 409, code: 'last-company-admin' };
    await expect(acme.run(() => users.deactivate(acme.admin.id))).rejects.toMatchObject(last);
    await expect(acme.run(() => users.update(acme.admin.id, { role: 'manager' }))).rejects.toMatchObject(last);
    expect(await medium.get(LiveSessions).currentRole(acme.resolved, acme.admin.id)).toBe('company_admin');
  });

  it('lets a company admin step down once another one is active', async () => {
    const second = await create(globex, 'company_admin');
    expect((await globex.run(() => users.update(second.id, { role: 'manager' }))).role).toBe('manager');
  });
});
