import { ACCESS, type AccessOptions, IS_PUBLIC } from '@app/auth';
import { ModulesContainer } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { TestApp, TestTenant } from './support/test-app';

type Role = 'company_admin' | 'manager' | 'staff' | 'super_admin';
const ROLES_UNDER_TEST: Role[] = ['company_admin', 'manager', 'staff', 'super_admin'];

interface Actor {
  role: Role;
  id: string;
  token: string;
}

describe('roles and record-level rules (API.md roles table)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let pt: string;
  const actors = {} as Record<Role, Actor>;

  const call = (actor: Actor, method: string, path: string, body?: object) => {
    const req = t
      .http()
      [method.toLowerCase() as 'get'](`/api/v1${path}`)
      .set('authorization', `Bearer ${actor.token}`)
      .set('x-tenant-id', acme.slug);
    return body === undefined ? req : req.send(body);
  };

  async function addUser(
    tenant: TestTenant,
    role: 'manager' | 'staff' | 'company_admin',
    tag: string = role,
  ): Promise<Actor> {
    const email = `${tag}-${Math.random().toString(36).slice(2, 8)}@${tenant.slug}.test`;
    const password = `${tag}-long-passphrase`;
    const created = await t
      .http()
      .post('/api/v1/users')
      .set('authorization', `Bearer ${tenant.token}`)
      .send({ email, name: `${tag} user`, password, role })
      .expect(201);
    const login = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', tenant.slug)
      .send({ email, password })
      .expect(200);
    return { role, id: created.body.id, token: login.body.accessToken };
  }

  beforeAll(async () => {
    t = await TestApp.start();
    pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
    const me = await t.http().get('/api/v1/auth/me').set('authorization', `Bearer ${acme.token}`).expect(200);
    actors.company_admin = { role: 'company_admin', id: me.body.id, token: acme.token };
    actors.manager = await addUser(acme, 'manager');
    actors.staff = await addUser(acme, 'staff');
    actors.super_admin = { role: 'super_admin', id: '', token: pt };
  });
  afterAll(() => t?.stop());

  it('every registered route is @Public() or declares the roles of its @Access (deny by default)', () => {
    const routes: string[] = [];
    const unguarded: string[] = [];
    for (const module of t.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
        if (!controller?.prototype) continue;
        const base = (Reflect.getMetadata(PATH_METADATA, controller) as string | undefined) ?? '';
        for (const name of Object.getOwnPropertyNames(controller.prototype)) {
          const handler = (controller.prototype as Record<string, unknown>)[name];
          if (
            name === 'constructor' ||
            typeof handler !== 'function' ||
            Reflect.getMetadata(PATH_METADATA, handler) === undefined
          )
            continue;
          const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
          const route = `${method} /${base}/${Reflect.getMetadata(PATH_METADATA, handler) as string}`
            .replace(/\/+/g, '/')
            .replace(/\/$/, '');
          routes.push(route);
          const isPublic = Reflect.getMetadata(IS_PUBLIC, handler) ?? Reflect.getMetadata(IS_PUBLIC, controller);
          const access = (Reflect.getMetadata(ACCESS, handler) ?? Reflect.getMetadata(ACCESS, controller)) as
            AccessOptions | undefined;
          if (!isPublic && !(Array.isArray(access?.roles) && access.roles.length)) unguarded.push(route);
        }
      }
    }
    expect(routes.length).toBeGreaterThanOrEqual(25);
    expect(unguarded).toEqual([]);
  });

  it('has no request-scoped provider anywhere (the tenant context rides on AsyncLocalStorage)', () => {
    const scoped: string[] = [];
    for (const module of t.app.get(ModulesContainer).values()) {
      for (const wrapper of [
        ...module.providers.values(),
        ...module.controllers.values(),
        ...module.injectables.values(),
      ]) {
        // Nest's own REQUEST/INQUIRER tokens are the request object itself, not a provider of ours.
        if (['REQUEST', 'INQUIRER'].includes(String(wrapper.name))) continue;
        if (!wrapper.isDependencyTreeStatic()) scoped.push(`${module.name}/${String(wrapper.name)}`);
      }
    }
    expect(scoped).toEqual([]);
  });

  it('answers the roles table for every role', async () => {
    const lead = (await call(actors.company_admin, 'POST', '/leads', { name: 'owned by admin' }).expect(201)).body;
    const target = await addUser(acme, 'staff', 'target');
    const matrix: { route: string; body?: object; allowed: Role[]; ok: number; staffSees404?: boolean }[] = [
      { route: 'POST /leads', body: { name: 'matrix lead' }, allowed: ['company_admin', 'manager', 'staff'], ok: 201 },
      { route: 'GET /leads', allowed: ['company_admin', 'manager', 'staff'], ok: 200 },
      { route: `GET /leads/${lead.id}`, allowed: ['company_admin', 'manager', 'staff'], ok: 200, staffSees404: true },
      {
        route: `PATCH /leads/${lead.id}`,
        body: { source: 'matrix' },
        allowed: ['company_admin', 'manager', 'staff'],
        ok: 200,
        staffSees404: true,
      },
      {
        route: `POST /leads/${lead.id}/assign`,
        body: { ownerId: actors.manager.id },
        allowed: ['company_admin', 'manager'],
        ok: 200,
      },
      { route: 'GET /users', allowed: ['company_admin', 'manager'], ok: 200 },
      { route: `GET /users/${target.id}`, allowed: ['company_admin', 'manager'], ok: 200 },
      { route: `PATCH /users/${target.id}`, body: { name: 'renamed' }, allowed: ['company_admin'], ok: 200 },
      {
        route: 'POST /users',
        body: { email: 'x', name: 'x', password: 'x', role: 'staff' },
        allowed: ['company_admin'],
        ok: 400,
      },
      { route: 'GET /api-keys', allowed: ['company_admin'], ok: 200 },
      {
        route: 'POST /deals',
        body: { title: 'matrix deal', amount: '1.00', currency: 'USD' },
        allowed: ['company_admin', 'manager', 'staff'],
        ok: 201,
      },
      { route: 'GET /deals', allowed: ['company_admin', 'manager', 'staff'], ok: 200 },
      { route: 'GET /reports/sales-summary', allowed: ['company_admin', 'manager'], ok: 200 },
      { route: 'GET /audit-logs', allowed: ['company_admin'], ok: 200 },
      { route: 'GET /auth/me', allowed: ['company_admin', 'manager', 'staff'], ok: 200 },
      { route: 'GET /platform/tenants', allowed: ['super_admin'], ok: 200 },
      { route: `GET /platform/tenants/${acme.slug}`, allowed: ['super_admin'], ok: 200 },
      { route: 'POST /platform/tenants', body: { slug: 'x' }, allowed: ['super_admin'], ok: 400 },
    ];
    const failures: string[] = [];
    for (const row of matrix) {
      const [method, path] = row.route.split(' ');
      for (const role of ROLES_UNDER_TEST) {
        const res = await call(actors[role], method, path, row.body);
        const expected = !row.allowed.includes(role) ? 403 : role === 'staff' && row.staffSees404 ? 404 : row.ok;
        if (res.status !== expected) failures.push(`${row.route} as ${role}: ${res.status}, expected ${expected}`);
      }
    }
    // Deletes last: each role gets its own lead and user to delete.
    for (const role of ROLES_UNDER_TEST) {
      const own = (await call(actors.company_admin, 'POST', '/leads', { name: `delete by ${role}` }).expect(201)).body;
      const res = await call(actors[role], 'DELETE', `/leads/${own.id}`);
      const expected = ['company_admin', 'manager'].includes(role) ? 204 : 403;
      if (res.status !== expected) failures.push(`DELETE /leads/:id as ${role}: ${res.status}, expected ${expected}`);
      const victim = await addUser(acme, 'staff', `victim-${role.replace('_', '')}`);
      const del = await call(actors[role], 'DELETE', `/users/${victim.id}`);
      const delExpected = role === 'company_admin' ? 204 : 403;
      if (del.status !== delExpected)
        failures.push(`DELETE /users/:id as ${role}: ${del.status}, expected ${delExpected}`);
    }
    expect(failures).toEqual([]);
  });

  it('staff see, change and own only their leads; others are 404', async () => {
    const staff = actors.staff;
    const mine = (await call(staff, 'POST', '/leads', { name: 'staff lead' }).expect(201)).body;
    expect(mine.ownerId).toBe(staff.id);
    const theirs = (await call(actors.manager, 'POST', '/leads', { name: 'manager lead' }).expect(201)).body;
    const list = await call(staff, 'GET', '/leads?limit=100').expect(200);
    expect(list.body.data.every((l: { ownerId: string }) => l.ownerId === staff.id)).toBe(true);
    expect(list.body.meta.total).toBe(list.body.data.length);
    await call(staff, 'GET', `/leads?ownerId=${actors.manager.id}`)
      .expect(200)
      .then((r) => expect(r.body.meta.total).toBe(0));
    await call(staff, 'GET', `/leads/${theirs.id}`).expect(404);
    await call(staff, 'PATCH', `/leads/${theirs.id}`, { name: 'taken' }).expect(404);
    await call(staff, 'PATCH', `/leads/${mine.id}`, { status: 'contacted' }).expect(200);
    const managerView = await call(actors.manager, 'GET', `/leads/${mine.id}`).expect(200);
    expect(managerView.body.status).toBe('contacted');
    // A manager reassigns: the lead leaves the staff member's view.
    await call(actors.manager, 'POST', `/leads/${mine.id}/assign`, { ownerId: actors.manager.id }).expect(200);
    await call(staff, 'GET', `/leads/${mine.id}`).expect(404);
    await call(actors.manager, 'POST', `/leads/${mine.id}/assign`, {
      ownerId: '00000000-0000-4000-8000-000000000000',
    }).expect(400);
  });

  it('mass assignment is refused, never silently applied', async () => {
    const staff = actors.staff;
    await call(staff, 'POST', '/leads', { name: 'x', ownerId: actors.manager.id }).expect(400);
    await call(staff, 'POST', '/leads', { name: 'x', id: '00000000-0000-4000-8000-000000000000' }).expect(400);
    await call(staff, 'POST', '/leads', { name: 'x', createdAt: '2020-01-01T00:00:00Z' }).expect(400);
    await call(staff, 'POST', '/leads', { name: 'x', tenant: globex.slug }).expect(400);
    const mine = (await call(staff, 'POST', '/leads', { name: 'mine' }).expect(201)).body;
    await call(staff, 'PATCH', `/leads/${mine.id}`, { ownerId: actors.manager.id }).expect(400);
    await call(staff, 'PATCH', `/users/${staff.id}`, { role: 'company_admin' }).expect(403);
    await call(actors.manager, 'PATCH', `/users/${staff.id}`, { role: 'manager' }).expect(403);
    await call(actors.company_admin, 'POST', '/users', {
      email: 'm@acme.test',
      name: 'm',
      password: 'long-enough-pass',
      role: 'super_admin',
    }).expect(400);
    await call(actors.company_admin, 'PATCH', `/users/${staff.id}`, { tokenVersion: 0 }).expect(400);
    await call(actors.company_admin, 'PATCH', `/users/${staff.id}`, { passwordHash: 'x' }).expect(400);
    const me = await call(staff, 'GET', '/auth/me').expect(200);
    expect(me.body.role).toBe('staff');
  });

  it('manages users: unique email per tenant, no hashes out, passwords of 12+ characters', async () => {
    const body = { email: 'Dana@Shared.test', name: 'Dana', password: 'dana-long-passphrase', role: 'staff' };
    const created = await call(actors.company_admin, 'POST', '/users', body).expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      email: 'dana@shared.test',
      name: 'Dana',
      role: 'staff',
      active: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    await call(actors.company_admin, 'POST', '/users', { ...body, email: 'dana@shared.test' }).expect(409);
    // The same email is free in another tenant.
    await t.http().post('/api/v1/users').set('authorization', `Bearer ${globex.token}`).send(body).expect(201);
    await call(actors.company_admin, 'POST', '/users', {
      ...body,
      email: 'short@acme.test',
      password: 'elevenchars',
    }).expect(400);
    const list = await call(actors.manager, 'GET', '/users?limit=100&sort=email').expect(200);
    expect(JSON.stringify(list.body)).not.toMatch(/argon2|passwordHash|password_hash|tokenVersion/);
    expect(list.body.meta.total).toBe(list.body.data.length);
    // Globex cannot read Acme's users by id.
    await t.http().get(`/api/v1/users/${created.body.id}`).set('authorization', `Bearer ${globex.token}`).expect(404);
    const [row] = await t.sql<{ password_hash: string }>(
      'select password_hash from users where email = $1',
      ['dana@shared.test'],
      acme.dbName,
    );
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('deactivation, role change and password change end live tokens at once', async () => {
    const victim = await addUser(acme, 'staff', 'live');
    await call(victim, 'GET', '/auth/me').expect(200);
    await call(actors.company_admin, 'PATCH', `/users/${victim.id}`, { role: 'manager' }).expect(200);
    await call(victim, 'GET', '/auth/me').expect(401);
    const email = (await call(actors.company_admin, 'GET', `/users/${victim.id}`).expect(200)).body.email;
    const relog = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', acme.slug)
      .send({ email, password: 'live-long-passphrase' })
      .expect(200);
    const fresh = { ...victim, token: relog.body.accessToken, role: 'manager' as Role };
    await call(fresh, 'GET', '/users').expect(200);
    await call(actors.company_admin, 'PATCH', `/users/${victim.id}`, { password: 'another-long-passphrase' }).expect(
      200,
    );
    await call(fresh, 'GET', '/auth/me').expect(401);
    await t.http().post('/api/v1/auth/refresh').send({ refreshToken: relog.body.refreshToken }).expect(401);
    const relog2 = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', acme.slug)
      .send({ email, password: 'another-long-passphrase' })
      .expect(200);
    await call(actors.company_admin, 'DELETE', `/users/${victim.id}`).expect(204);
    await call({ ...fresh, token: relog2.body.accessToken }, 'GET', '/auth/me').expect(401);
    await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', acme.slug)
      .send({ email, password: 'another-long-passphrase' })
      .expect(401);
    const shown = await call(actors.company_admin, 'GET', `/users/${victim.id}`).expect(200);
    expect(shown.body.active).toBe(false);
  });

  it('never leaves a tenant without an active company admin', async () => {
    const res = await call(actors.company_admin, 'DELETE', `/users/${actors.company_admin.id}`).expect(409);
    expect(res.body.type).toMatch(/\/last-company-admin$/);
    await call(actors.company_admin, 'PATCH', `/users/${actors.company_admin.id}`, { role: 'staff' }).expect(409);
    await call(actors.company_admin, 'GET', '/auth/me').expect(200);
  });
});
