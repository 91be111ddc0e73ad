import { TestApp, TestTenant } from './support/test-app';

interface Entry {
  action: string;
  entity: string;
  entityId: string;
  actorId: string;
  outcome: string;
  requestId: string;
  changes: Record<string, { before?: unknown; after?: unknown }>;
}

interface Member {
  id: string;
  email: string;
  password: string;
  token: string;
}

type Demotion = 'role' | 'active' | 'delete';

describe('CRM invariants under concurrency and hostile input (two tenants)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  const admins = new Map<TestTenant, Member[]>();
  const people = new Map<TestTenant, { staff: Member; manager: Member }>();
  let seq = 0;

  const as = (token: string, tenant: TestTenant) => t.as(token, tenant.slug);
  const rid = (label: string) => `inv-${label}-${++seq}-${Date.now()}`;
  const login = (tenant: TestTenant, email: string, password: string) =>
    t.http().post('/api/v1/auth/login').set('x-tenant-id', tenant.slug).send({ email, password });
  const entries = async (tenant: TestTenant, query: string): Promise<Entry[]> => {
    const out: Entry[] = [];
    for (let page = 1; ; page++) {
      const res = await as(tenant.token, tenant).get(`/audit-logs?limit=100&page=${page}${query}`).expect(200);
      out.push(...(res.body.data as Entry[]));
      if (out.length >= res.body.meta.total || !res.body.data.length) return out;
    }
  };

  async function addMember(tenant: TestTenant, role: string, name: string): Promise<Member> {
    const email = `${name}@${tenant.slug}.test`;
    const password = `${name}-invariant-passphrase`;
    const created = await as(tenant.token, tenant).post('/users', { email, name, password, role }).expect(201);
    const signedIn = await login(tenant, email, password).expect(200);
    return { id: created.body.id, email, password, token: signedIn.body.accessToken };
  }

  beforeAll(async () => {
    t = await TestApp.start();
    const pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
    for (const tenant of [acme, globex]) {
      const me = (await as(tenant.token, tenant).get('/auth/me').expect(200)).body;
      const list: Member[] = [
        { id: me.id, email: tenant.admin.email, password: tenant.admin.password, token: tenant.token },
      ];
      for (let i = 1; i < 5; i++) list.push(await addMember(tenant, 'company_admin', `admin${i}`));
      admins.set(tenant, list);
      people.set(tenant, {
        staff: await addMember(tenant, 'staff', 'staff'),
        manager: await addMember(tenant, 'manager', 'manager'),
      });
    }
  });
  afterAll(() => t?.stop());

  const activeAdmins = async (tenant: TestTenant) =>
    (
      await t.sql<{ id: string }>(`select id from users where role = 'company_admin' and active`, [], tenant.dbName)
    ).map((r) => r.id);

  /** Makes the tenant's first `n` admins active company admins with fresh tokens, and the rest staff. */
  async function resetAdmins(tenant: TestTenant, n: number): Promise<Member[]> {
    const list = admins.get(tenant)!;
    const [survivorId] = await activeAdmins(tenant);
    const survivor = list.find((m) => m.id === survivorId)!;
    for (const m of list)
      if (m !== survivor)
        await as(survivor.token, tenant).patch(`/users/${m.id}`, { role: 'company_admin', active: true }).expect(200);
    for (const m of list) m.token = (await login(tenant, m.email, m.password).expect(200)).body.accessToken;
    for (const m of list.slice(n))
      await as(list[0].token, tenant).patch(`/users/${m.id}`, { role: 'staff' }).expect(200);
    tenant.token = list[0].token;
    return list.slice(0, n);
  }

  function demote(tenant: TestTenant, by: Member, target: Member, kind: Demotion, requestId: string) {
    const call = as(by.token, tenant);
    const req =
      kind === 'role'
        ? call.patch(`/users/${target.id}`, { role: 'staff' })
        : kind === 'active'
          ? call.patch(`/users/${target.id}`, { active: false })
          : call.delete(`/users/${target.id}`);
    return req.set('x-request-id', requestId);
  }

  /** Every admin demotes every other admin at once (20 requests per tenant, both tenants together). */
  async function race(tenant: TestTenant, n: number, kind: Demotion, round: number): Promise<void> {
    const team = await resetAdmins(tenant, n);
    const pairs = team.flatMap((by) => team.filter((x) => x !== by).map((target) => ({ by, target })));
    const repeat = Math.ceil(20 / pairs.length);
    const shots = Array.from({ length: repeat }, () => pairs).flat();
    const prefix = `inv-admin-${tenant.slug}-${kind}-${n}-${round}`;
    const answers = await Promise.all(shots.map((s, i) => demote(tenant, s.by, s.target, kind, `${prefix}-${i}`)));

    for (const a of answers) expect([200, 204, 401, 403, 409]).toContain(a.status);
    const conflicts = answers.filter((a) => a.status === 409);
    for (const c of conflicts) expect(c.body.type).toMatch(/\/last-company-admin$/);
    const left = await activeAdmins(tenant);
    expect(left).toHaveLength(1);
    tenant.token = team.find((m) => m.id === left[0])!.token;
    // A demoted admin's token stops at once, whatever order the concurrent changes wrote the session cache in.
    const after = await Promise.all(team.map((m) => as(m.token, tenant).get('/auth/me')));
    expect(team.map((m, i) => [m.id, after[i].status])).toEqual(team.map((m) => [m.id, m.id === left[0] ? 200 : 401]));

    // Each demotion that committed wrote its audit entry in the same transaction; a refused one wrote none.
    const field = kind === 'role' ? 'role' : 'active';
    const before = kind === 'role' ? 'company_admin' : true;
    const trail = (
      await entries(
        tenant,
        `&entity=user&outcome=success&from=${encodeURIComponent(new Date(Date.now() - 600_000).toISOString())}`,
      )
    ).filter((e) => e.requestId?.startsWith(`${prefix}-`) && e.changes[field]?.before === before);
    expect(trail.map((e) => e.entityId).sort()).toEqual(
      team
        .filter((m) => m.id !== left[0])
        .map((m) => m.id)
        .sort(),
    );
    const refusedIds = new Set(conflicts.map((c) => c.headers['x-request-id']));
    expect(trail.filter((e) => refusedIds.has(e.requestId))).toEqual([]);
  }

  for (const n of [2, 5]) {
    for (const kind of ['role', 'active', 'delete'] as const) {
      const how = { role: 'PATCH role', active: 'PATCH active=false', delete: 'DELETE' }[kind];
      it(`keeps exactly one active company admin when ${n} admins demote each other at once (${how}, 3 rounds × 2 tenants × 20 requests)`, async () => {
        for (let round = 0; round < 3; round++)
          await Promise.all([race(acme, n, kind, round), race(globex, n, kind, round)]);
      }, 240_000);
    }
  }

  describe('conversion', () => {
    it('keeps a converted lead final when status changes and assignments race the conversion (5 + 5 + 5 at once, 5 rounds × 2 tenants)', async () => {
      for (let round = 0; round < 5; round++) {
        await Promise.all(
          [acme, globex].map(async (tenant) => {
            const { manager, staff } = people.get(tenant)!;
            const lead = (
              await as(manager.token, tenant)
                .post('/leads', { name: `Contended ${round}` })
                .expect(201)
            ).body;
            const call = as(manager.token, tenant);
            const answers = await Promise.all([
              ...Array.from({ length: 5 }, () =>
                call.post(`/leads/${lead.id}/convert`, { amount: '5.00', currency: 'USD' }),
              ),
              ...Array.from({ length: 5 }, () => call.patch(`/leads/${lead.id}`, { status: 'qualified' })),
              ...Array.from({ length: 5 }, () => call.post(`/leads/${lead.id}/assign`, { ownerId: staff.id })),
            ]);
            for (const a of answers) expect([200, 201, 409]).toContain(a.status);
            const [row] = await t.sql<{ status: string }>(
              'select status from leads where id = $1',
              [lead.id],
              tenant.dbName,
            );
            expect(row.status).toBe('converted');
            expect(await t.sql('select id from deals where lead_id = $1', [lead.id], tenant.dbName)).toHaveLength(1);
            // Nothing changed the lead after its conversion committed: the newest change of it is the conversion.
            const changes = (await entries(tenant, `&entity=lead&entityId=${lead.id}&outcome=success`)).map(
              (e) => e.action,
            );
            expect(changes[0]).toBe('lead.convert');
          }),
        );
      }
    }, 180_000);

    it('converts a lead once: of 10 conversions at once one gets 201, the others 409 (5 rounds × 2 tenants)', async () => {
      for (let round = 0; round < 5; round++) {
        await Promise.all(
          [acme, globex].map(async (tenant) => {
            const { manager } = people.get(tenant)!;
            const lead = (
              await as(manager.token, tenant)
                .post('/leads', { name: `Race ${round}` })
                .expect(201)
            ).body;
            const answers = await Promise.all(
              Array.from({ length: 10 }, () =>
                as(manager.token, tenant).post(`/leads/${lead.id}/convert`, { amount: '5.00', currency: 'USD' }),
              ),
            );
            expect(answers.filter((a) => a.status === 201).length).toBe(1);
            for (const a of answers.filter((x) => x.status !== 201))
              expect([a.status, a.body.type]).toEqual([409, expect.stringMatching(/\/lead-converted$/)]);
            const deals = await t.sql<{ id: string }>(
              'select id from deals where lead_id = $1',
              [lead.id],
              tenant.dbName,
            );
            expect(deals).toHaveLength(1);
            const [row] = await t.sql<{ status: string }>(
              'select status from leads where id = $1',
              [lead.id],
              tenant.dbName,
            );
            expect(row.status).toBe('converted');
            const converted = await entries(tenant, `&action=lead.convert&outcome=success&entityId=${lead.id}`);
            expect(converted).toHaveLength(1);
            expect(
              await entries(tenant, `&action=lead.convert&outcome=success&entity=deal&entityId=${deals[0].id}`),
            ).toHaveLength(1);
          }),
        );
      }
    }, 180_000);

    it('links a lead to one deal only: 10 POST /deals with one leadId at once → one 201, the others 409 lead-has-deal', async () => {
      for (let round = 0; round < 3; round++) {
        const { manager } = people.get(acme)!;
        const lead = (
          await as(manager.token, acme)
            .post('/leads', { name: `Linked ${round}` })
            .expect(201)
        ).body;
        const answers = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            as(manager.token, acme).post('/deals', {
              title: `d${i}`,
              amount: '1.00',
              currency: 'EUR',
              leadId: lead.id,
            }),
          ),
        );
        expect(answers.filter((a) => a.status === 201).length).toBe(1);
        for (const a of answers.filter((x) => x.status !== 201))
          expect([a.status, a.body.type]).toEqual([409, expect.stringMatching(/\/lead-has-deal$/)]);
        expect(await t.sql('select id from deals where lead_id = $1', [lead.id], acme.dbName)).toHaveLength(1);
      }
    }, 120_000);
  });

  describe('e-mail addresses', () => {
    const nfc = 'ren\u00e9@acme-mail.test';
    const nfd = 'rene\u0301@acme-mail.test';

    it('treats the NFC and NFD spellings of one address as one account: 201 then 409', async () => {
      expect(nfc).not.toBe(nfd);
      expect(nfc.normalize('NFC')).toBe(nfd.normalize('NFC'));
      const body = { name: 'René', password: 'rene-invariant-passphrase', role: 'staff' };
      await as(acme.token, acme)
        .post('/users', { ...body, email: nfc })
        .expect(201);
      const again = await as(acme.token, acme)
        .post('/users', { ...body, email: nfd })
        .expect(409);
      expect(again.body.type).toMatch(/\/user-exists$/);
      // Another tenant is another namespace.
      await as(globex.token, globex)
        .post('/users', { ...body, email: nfd })
        .expect(201);
      const rows = await t.sql<{ email: string }>('select email from users where email like $1', ['ren%'], acme.dbName);
      expect(rows.map((r) => r.email)).toEqual([nfc]);
    });

    it('signs in with the NFD spelling of a user created with the NFC spelling', async () => {
      const res = await login(acme, nfd.toUpperCase(), 'rene-invariant-passphrase').expect(200);
      const me = await as(res.body.accessToken, acme).get('/auth/me').expect(200);
      expect(me.body.email).toBe(nfc);
    });

    it('folds full-width look-alikes into the plain address (NFKC): an existing account cannot be doubled', async () => {
      // The admin races above may have left any admin deactivated: the staff member is always active.
      const { staff } = people.get(acme)!;
      const fullWidth = staff.email.replace(/[\x21-\x7e]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
      const dup = await as(acme.token, acme)
        .post('/users', { email: fullWidth, name: 'Fake', password: 'fake-staff-passphrase', role: 'staff' })
        .expect(409);
      expect(dup.body.type).toMatch(/\/user-exists$/);
      await login(acme, fullWidth, staff.password).expect(200);
    });

    it('creates one account when 12 spellings of one new address arrive at once (3 rounds)', async () => {
      for (let round = 0; round < 3; round++) {
        const spellings = [
          `zo\u00eb${round}@acme-mail.test`,
          `zoe\u0308${round}@acme-mail.test`,
          `ZOE\u0308${round}@ACME-MAIL.TEST`,
          `zo\u00eb${round}@ａｃｍｅ-mail.test`,
        ];
        const variants = Array.from({ length: 12 }, (_, i) => spellings[i % spellings.length]);
        const answers = await Promise.all(
          variants.map((email) =>
            as(acme.token, acme).post('/users', {
              email,
              name: 'Zoë',
              password: 'zoe-invariant-passphrase',
              role: 'staff',
            }),
          ),
        );
        expect(answers.filter((a) => a.status === 201).length).toBe(1);
        for (const a of answers.filter((x) => x.status !== 201))
          expect([a.status, a.body.type]).toEqual([409, expect.stringMatching(/\/user-exists$/)]);
        const rows = await t.sql<{ email: string }>(
          'select email from users where email like $1',
          [`zo%${round}@%`],
          acme.dbName,
        );
        expect(rows).toEqual([{ email: `zo\u00eb${round}@acme-mail.test` }]);
      }
    }, 120_000);
  });

  describe('audit vocabulary and cascades', () => {
    it('lists a denied PATCH by staff and a successful PATCH by the manager under ?entity=lead&entityId=', async () => {
      const { staff, manager } = people.get(acme)!;
      const lead = (await as(manager.token, acme).post('/leads', { name: 'Not for staff' }).expect(201)).body;
      await as(staff.token, acme).patch(`/leads/${lead.id}`, { name: 'mine' }).expect(404);
      await as(manager.token, acme).patch(`/leads/${lead.id}`, { name: 'renamed' }).expect(200);
      const trail = await entries(acme, `&entity=lead&entityId=${lead.id}`);
      expect(trail.map((e) => [e.action, e.outcome, e.actorId]).sort()).toEqual(
        [
          ['lead.create', 'success', manager.id],
          ['lead.update', 'denied', staff.id],
          ['lead.update', 'success', manager.id],
        ].sort(),
      );
    });

    it('names actions <entity>.<verb> on every path: the seeded admin and a created user are both user.create', async () => {
      const created = await entries(globex, '&action=user.create');
      const seeded = admins.get(globex)![0].id;
      expect(created.find((e) => e.entityId === seeded)).toMatchObject({ entity: 'user', actorId: 'system' });
      expect(created.find((e) => e.entityId === admins.get(globex)![1].id)).toMatchObject({ entity: 'user' });
      const all = await entries(globex, '');
      expect(all.length).toBeGreaterThan(0);
      for (const e of all) {
        expect(e.entity).toMatch(/^[a-z]+(_[a-z]+)*[^s]$/);
        expect(e.action).toMatch(/^[a-z]+(_[a-z]+)*\.[a-z]+$/);
        expect(e.action.split('.')[0].endsWith('s')).toBe(false);
      }
    });

    it('audits the deal a lead deletion unlinks, in the same request (10 deletes at once, 3 rounds)', async () => {
      const { manager } = people.get(acme)!;
      for (let round = 0; round < 3; round++) {
        const lead = (
          await as(manager.token, acme)
            .post('/leads', { name: `Cascade ${round}` })
            .expect(201)
        ).body;
        const deal = (
          await as(manager.token, acme)
            .post(`/leads/${lead.id}/convert`, { amount: '3.00', currency: 'USD' })
            .expect(201)
        ).body;
        const prefix = rid('cascade');
        const answers = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            as(manager.token, acme).delete(`/leads/${lead.id}`).set('x-request-id', `${prefix}-${i}`),
          ),
        );
        const done = answers.filter((a) => a.status === 204);
        expect(done.length).toBe(1);
        for (const a of answers.filter((x) => x.status !== 204)) expect(a.status).toBe(404);
        const [row] = await t.sql<{ lead_id: string | null }>(
          'select lead_id from deals where id = $1',
          [deal.id],
          acme.dbName,
        );
        expect(row.lead_id).toBeNull();
        const requestId = done[0].headers['x-request-id'];
        const trail = (await entries(acme, `&outcome=success&action=lead.delete`)).filter(
          (e) => e.requestId === requestId,
        );
        expect(trail.map((e) => [e.entity, e.entityId]).sort()).toEqual(
          [
            ['deal', deal.id],
            ['lead', lead.id],
          ].sort(),
        );
        expect(trail.find((e) => e.entity === 'deal')!.changes.leadId).toEqual({ before: lead.id, after: null });
      }
    }, 120_000);
  });

  describe('PATCH with null', () => {
    it('refuses null for a field that is not nullable with 400 naming it, on leads, deals and users', async () => {
      const { manager } = people.get(acme)!;
      const lead = (
        await as(manager.token, acme).post('/leads', { name: 'Null target', email: 'n@x.test' }).expect(201)
      ).body;
      const deal = (
        await as(manager.token, acme)
          .post('/deals', { title: 'Null deal', amount: '2.00', currency: 'USD' })
          .expect(201)
      ).body;
      const user = admins.get(acme)![4];
      const cases: [string, object, string][] = [
        [`/leads/${lead.id}`, { name: null }, 'name'],
        [`/leads/${lead.id}`, { status: null }, 'status'],
        [`/deals/${deal.id}`, { title: null }, 'title'],
        [`/deals/${deal.id}`, { amount: null }, 'amount'],
        [`/deals/${deal.id}`, { currency: null }, 'currency'],
        [`/deals/${deal.id}`, { stage: null }, 'stage'],
        [`/users/${user.id}`, { name: null }, 'name'],
        [`/users/${user.id}`, { email: null }, 'email'],
        [`/users/${user.id}`, { role: null }, 'role'],
        [`/users/${user.id}`, { active: null }, 'active'],
        [`/users/${user.id}`, { password: null }, 'password'],
      ];
      const answers = await Promise.all(
        cases.map(([path, body]) => as(path.startsWith('/users') ? acme.token : manager.token, acme).patch(path, body)),
      );
      answers.forEach((a, i) => {
        expect([a.status, cases[i][2]]).toEqual([400, cases[i][2]]);
        expect(a.body.errors[0].field).toBe(cases[i][2]);
      });
      const [l] = await t.sql<{ name: string; status: string }>(
        'select name, status from leads where id = $1',
        [lead.id],
        acme.dbName,
      );
      expect(l).toEqual({ name: 'Null target', status: 'new' });
      const [d] = await t.sql<{ title: string; stage: string }>(
        'select title, stage from deals where id = $1',
        [deal.id],
        acme.dbName,
      );
      expect(d).toEqual({ title: 'Null deal', stage: 'prospecting' });
    });

    it('clears a nullable field with null: lead email, deal expectedCloseDate and leadId', async () => {
      const { manager } = people.get(acme)!;
      const lead = (
        await as(manager.token, acme)
          .post('/leads', { name: 'Clear me', email: 'c@x.test', phone: '+1 555 0100' })
          .expect(201)
      ).body;
      const res = await as(manager.token, acme).patch(`/leads/${lead.id}`, { email: null, phone: null }).expect(200);
      expect(res.body).toMatchObject({ email: null, phone: null, name: 'Clear me' });
      const [l] = await t.sql<{ email: string | null; phone: string | null }>(
        'select email, phone from leads where id = $1',
        [lead.id],
        acme.dbName,
      );
      expect(l).toEqual({ email: null, phone: null });

      const other = (await as(manager.token, acme).post('/leads', { name: 'Link me' }).expect(201)).body;
      const deal = (
        await as(manager.token, acme)
          .post('/deals', {
            title: 'Clear',
            amount: '1.00',
            currency: 'USD',
            leadId: other.id,
            expectedCloseDate: '2026-12-31',
          })
          .expect(201)
      ).body;
      await as(manager.token, acme).patch(`/deals/${deal.id}`, { expectedCloseDate: null, leadId: null }).expect(200);
      const [d] = await t.sql<{ expected_close_date: string | null; lead_id: string | null }>(
        'select expected_close_date, lead_id from deals where id = $1',
        [deal.id],
        acme.dbName,
      );
      expect(d).toEqual({ expected_close_date: null, lead_id: null });
    });
  });
});
