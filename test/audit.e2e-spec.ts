import { TestApp, TestTenant } from './support/test-app';

interface Entry {
  id: string;
  seq: number;
  at: string;
  actorId: string;
  actorRole: string;
  action: string;
  entity: string;
  entityId: string;
  changes: Record<string, { before?: unknown; after?: unknown }>;
  outcome: string;
  ip: string;
  requestId: string;
}

describe('audit trail (two tenants)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let adminId: string;
  let staff: { id: string; token: string };
  let manager: { id: string; token: string };

  const as = (token: string, tenant: TestTenant = acme) => t.as(token, tenant.slug);
  const logs = async (query = '', tenant: TestTenant = acme): Promise<Entry[]> =>
    (await as(tenant.token, tenant).get(`/audit-logs?limit=100${query}`).expect(200)).body.data;

  async function addUser(role: string): Promise<{ id: string; token: string }> {
    const email = `${role}@acme.test`;
    const password = `${role}-canary-passphrase`;
    const created = await as(acme.token).post('/users', { email, name: role, password, role }).expect(201);
    const login = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', acme.slug)
      .send({ email, password })
      .expect(200);
    return { id: created.body.id, token: login.body.accessToken };
  }

  beforeAll(async () => {
    t = await TestApp.start();
    const pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
    adminId = (await as(acme.token).get('/auth/me').expect(200)).body.id;
    staff = await addUser('staff');
    manager = await addUser('manager');
  });
  afterAll(() => t?.stop());

  it('writes exactly one entry per mutation, with the field-level diff, actor and request id', async () => {
    const created = await as(staff.token)
      .post('/leads', { name: 'Audited', company: 'Acme' })
      .set('x-request-id', 'req-audit-create')
      .expect(201);
    const id = created.body.id;
    await as(staff.token)
      .patch(`/leads/${id}`, { company: 'Acme Corp', status: 'contacted' })
      .set('x-request-id', 'req-audit-update')
      .expect(200);
    await as(manager.token).post(`/leads/${id}/assign`, { ownerId: manager.id }).expect(200);
    await as(manager.token).delete(`/leads/${id}`).expect(204);

    const entries = (await logs(`&entity=lead&entityId=${id}&sort=at`)).filter((e) => e.outcome === 'success');
    expect(entries.map((e) => e.action)).toEqual(['lead.create', 'lead.update', 'lead.assign', 'lead.delete']);
    const [create, update, assign, remove] = entries;
    expect(create).toMatchObject({
      actorId: staff.id,
      actorRole: 'staff',
      entity: 'lead',
      entityId: id,
      requestId: 'req-audit-create',
    });
    expect(create.changes.name).toEqual({ after: 'Audited' });
    expect(update.requestId).toBe('req-audit-update');
    expect(update.changes).toEqual({
      company: { before: 'Acme', after: 'Acme Corp' },
      status: { before: 'new', after: 'contacted' },
    });
    expect(assign.changes).toEqual({ ownerId: { before: staff.id, after: manager.id } });
    expect(remove.changes.name).toEqual({ before: 'Audited' });
    expect(remove.actorRole).toBe('manager');
  });

  it('records denied attempts: a role refused (403) and a hidden record (404)', async () => {
    const other = await as(manager.token).post('/leads', { name: 'Not yours' }).expect(201);
    await as(staff.token).delete(`/leads/${other.body.id}`).expect(403);
    await as(staff.token).patch(`/leads/${other.body.id}`, { name: 'mine now' }).expect(404);
    await as(staff.token).patch('/leads/00000000-0000-4000-8000-000000000000', { name: 'ghost' }).expect(404);
    const denied = await logs(`&outcome=denied&actorId=${staff.id}`);
    expect(denied.map((e) => [e.action, e.entityId, e.changes]).sort()).toEqual(
      [
        ['lead.delete', other.body.id, { status: 403 }],
        ['lead.update', other.body.id, { status: 404 }],
      ].sort(),
    );
    const failed = await logs(`&outcome=failed&actorId=${staff.id}`);
    expect(failed.map((e) => e.entityId)).toContain('00000000-0000-4000-8000-000000000000');
    // Nothing changed: the lead keeps its name.
    expect((await as(manager.token).get(`/leads/${other.body.id}`).expect(200)).body.name).toBe('Not yours');
  });

  it('writes nothing for anonymous junk, so a flood cannot turn into a flood of writes', async () => {
    const count = async () =>
      Number((await t.sql<{ n: string }>('select count(*) as n from audit_logs', [], acme.dbName))[0].n);
    const before = await count();
    for (let i = 0; i < 5; i++) {
      await t
        .http()
        .post('/api/v1/auth/login')
        .set('x-tenant-id', acme.slug)
        .send({ email: 'not-an-email' })
        .expect(400);
      await t.http().post('/api/v1/leads').set('x-tenant-id', acme.slug).send({ name: 'x' }).expect(401);
    }
    expect(await count()).toBe(before);
  });

  it('writes no entry for a mutation that rolled back', async () => {
    const before = await t.sql<{ n: string }>(
      "select count(*) as n from audit_logs where outcome = 'success'",
      [],
      acme.dbName,
    );
    // A duplicate email fails inside the flush: the insert and its audit entry roll back together.
    await as(acme.token)
      .post('/users', { email: 'staff@acme.test', name: 'dup', password: 'another-canary-pass', role: 'staff' })
      .expect(409);
    const after = await t.sql<{ n: string }>(
      "select count(*) as n from audit_logs where outcome = 'success'",
      [],
      acme.dbName,
    );
    expect(after[0].n).toBe(before[0].n);
    const users = await t.sql('select 1 from users where name = $1', ['dup'], acme.dbName);
    expect(users).toEqual([]);
  });

  it('keeps secrets out: no password, hash, token or key reaches the trail', async () => {
    const canary = 'canary-password-9f8e7d';
    const u = await as(acme.token)
      .post('/users', { email: 'canary@acme.test', name: 'Canary', password: canary, role: 'staff' })
      .expect(201);
    await as(acme.token)
      .patch(`/users/${u.body.id}`, { password: `${canary}-2` })
      .expect(200);
    const login = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', acme.slug)
      .send({ email: 'canary@acme.test', password: `${canary}-2` })
      .expect(200);
    const key = await as(acme.token)
      .post('/api-keys', { name: 'canary key', scopes: ['leads:read'] })
      .expect(201);
    await as(acme.token)
      .post('/users', { email: 'x@acme.test', name: 'x', password: 'short' })
      .set('authorization', `Bearer ${login.body.accessToken}`)
      .expect(403);
    const dump = (await t.sql<{ row: string }>('select row_to_json(a)::text as row from audit_logs a', [], acme.dbName))
      .map((r) => r.row)
      .join('\n');
    for (const secret of [
      canary,
      `${canary}-2`,
      login.body.accessToken,
      login.body.refreshToken,
      key.body.key,
      key.body.key.split('.').pop(),
      '$argon2id$',
    ]) {
      expect(dump).not.toContain(secret);
    }
    const userEntries = await logs(`&entity=user&entityId=${u.body.id}`);
    const passwordChange = userEntries.find((e) => e.action === 'user.update')!;
    expect(passwordChange.changes.passwordHash).toEqual({ after: '[redacted]' });
  });

  it('is append-only for the runtime role and tamper-evident for everyone', async () => {
    const [{ count }] = await t.sql<{ count: string }>('select count(*) from audit_logs', [], acme.dbName);
    expect(Number(count)).toBeGreaterThan(5);
    const privileges = await t.sql<{ privilege_type: string }>(
      "select privilege_type from information_schema.role_table_grants where table_name = 'audit_logs' and grantee = $1 order by 1",
      [acme.dbName],
      acme.dbName,
    );
    expect(privileges.map((p) => p.privilege_type)).toEqual(['SELECT']);
    // INSERT on the non-chain columns only: seq, at, prev_hash and hash are the trigger's (which also
    // overwrites whatever an insert gives changes_salt, changes_digest and redacted_by).
    const insertable = await t.sql<{ column_name: string }>(
      "select column_name from information_schema.column_privileges where table_name = 'audit_logs' and grantee = $1 and privilege_type = 'INSERT'",
      [acme.dbName],
      acme.dbName,
    );
    expect(insertable.map((c) => c.column_name).sort()).toEqual(
      [
        'action',
        'actor_id',
        'actor_role',
        'changes',
        'changes_digest',
        'changes_salt',
        'entity',
        'entity_id',
        'id',
        'impersonator_id',
        'ip',
        'outcome',
        'redacted_by',
        'request_id',
        'tenant',
        'user_agent',
      ].sort(),
    );
    await expect(t.sql("update audit_logs set action = 'x'", [], acme.dbName)).rejects.toThrow(/append-only/);
    await expect(t.sql('delete from audit_logs', [], acme.dbName)).rejects.toThrow(/append-only/);
    await expect(t.sql('truncate audit_logs', [], acme.dbName)).rejects.toThrow(/append-only/);

    const { verifyAuditChain } = await import('@app/audit');
    const { TenantOrmRegistry, TenantContext } = await import('@app/tenancy');
    const { TenantDirectory } = await import('@app/tenancy');
    const tenant = (await t.app.get(TenantDirectory).find(acme.slug))!;
    const verify = () => t.app.get(TenantOrmRegistry).run(tenant, () => verifyAuditChain(t.app.get(TenantContext).em));
    expect(await verify()).toEqual({ entries: Number(count), ok: true });

    // A superuser edits one entry behind the triggers' back: verify names it.
    const [victim] = await t.sql<{ seq: string; id: string }>(
      'select seq, id from audit_logs order by seq limit 1 offset 2',
      [],
      acme.dbName,
    );
    await t.sql(
      `begin; set local session_replication_role = replica; update audit_logs set changes = '{"forged": true}' where id = '${victim.id}'; commit;`,
      [],
      acme.dbName,
    );
    expect(await verify()).toEqual({
      entries: Number(count),
      ok: false,
      firstBroken: { seq: Number(victim.seq), id: victim.id, reason: 'content-changed' },
    });
  });

  it('serves the log to company admins only, and never across tenants', async () => {
    await as(manager.token).get('/audit-logs').expect(403);
    await as(staff.token).get('/audit-logs').expect(403);
    await as(globex.token, globex).post('/leads', { name: 'Globex lead' }).expect(201);
    const globexLogs = await logs('', globex);
    expect(globexLogs.length).toBeGreaterThan(0);
    expect(globexLogs.every((e) => !JSON.stringify(e).includes('Audited'))).toBe(true);
    const acmeLogs = await logs('&entity=lead');
    expect(acmeLogs.every((e) => !JSON.stringify(e).includes('Globex lead'))).toBe(true);
    await as(acme.token)
      .get(`/audit-logs?actorId=${adminId}&from=2020-01-01T00:00:00Z&to=2999-01-01T00:00:00Z`)
      .expect(200);
    await as(acme.token).get('/audit-logs?from=yesterday').expect(400);
    await as(acme.token).get('/audit-logs?limit=101').expect(400);
  });
});
