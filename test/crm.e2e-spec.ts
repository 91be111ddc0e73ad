import request from 'supertest';
import { TestApp, TestTenant } from './support/test-app';

describe('CRM: leads, deals and reports (two tenants)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let staff: { id: string; token: string };
  let manager: { id: string; token: string };

  const as = (token: string, tenant: TestTenant = acme) => t.as(token, tenant.slug);

  async function addUser(role: string): Promise<{ id: string; token: string }> {
    const email = `${role}-crm@acme.test`;
    const password = `${role}-crm-passphrase`;
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
    staff = await addUser('staff');
    manager = await addUser('manager');
  });
  afterAll(() => t?.stop());

  describe('201 Created carries Location: the path of the new resource under /api/v1', () => {
    const follow = async (location: string) => {
      expect(location.startsWith('/api/v1/')).toBe(true);
      return (await as(acme.token).get(location.slice('/api/v1'.length)).expect(200)).body as { id: string };
    };

    it('for a lead, a deal and a user', async () => {
      for (const [path, body] of [
        ['/leads', { name: 'Located lead' }],
        ['/deals', { title: 'Located deal', amount: '10.00', currency: 'USD' }],
        ['/users', { email: 'located@acme.test', name: 'Located', password: 'located-passphrase', role: 'staff' }],
      ] as const) {
        const created = await as(acme.token).post(path, body).expect(201);
        expect(created.headers.location).toBe(`/api/v1${path}/${created.body.id}`);
        expect((await follow(created.headers.location)).id).toBe(created.body.id);
      }
    });

    it('for the deal a lead converts into', async () => {
      const lead = (await as(acme.token).post('/leads', { name: 'To convert' }).expect(201)).body as { id: string };
      const deal = await as(acme.token)
        .post(`/leads/${lead.id}/convert`, { amount: '20.00', currency: 'EUR' })
        .expect(201);
      expect(deal.headers.location).toBe(`/api/v1/deals/${deal.body.id}`);
      expect((await follow(deal.headers.location)).id).toBe(deal.body.id);
    });
  });

  describe('a missing required field is reported as required, once', () => {
    it.each([
      ['/leads', { company: 'Acme' }, [{ field: 'name', message: 'name is required' }]],
      ['/deals', { title: 'Big', currency: 'USD' }, [{ field: 'amount', message: 'amount is required' }]],
      [
        '/users',
        { email: 'no-name@acme.test', password: 'a-long-passphrase', role: 'staff' },
        [{ field: 'name', message: 'name is required' }],
      ],
    ])('POST %s', async (path, body, errors) => {
      const res = await as(acme.token).post(path, body).expect(400);
      expect(res.body.errors).toEqual(errors);
    });

    it('keeps the constraint message for a present but bad value', async () => {
      const res = await as(acme.token)
        .post('/leads', { name: 'x'.repeat(201) })
        .expect(400);
      expect(res.body.errors).toEqual([
        { field: 'name', message: 'name must be shorter than or equal to 200 characters' },
      ]);
    });
  });

  describe('lead status transitions', () => {
    const newLead = async (name: string) =>
      (await as(staff.token).post('/leads', { name }).expect(201)).body as { id: string };

    it('moves a lead from new to contacted, qualified and lost', async () => {
      const lead = await newLead('Flow');
      await as(staff.token).patch(`/leads/${lead.id}`, { status: 'contacted' }).expect(200);
      await as(staff.token).patch(`/leads/${lead.id}`, { status: 'qualified' }).expect(200);
      await as(staff.token).patch(`/leads/${lead.id}`, { status: 'lost' }).expect(200);
    });

    describe('a lost lead', () => {
      let lost: { id: string };
      beforeEach(async () => {
        lost = await newLead('Lost');
        await as(staff.token).patch(`/leads/${lost.id}`, { status: 'lost' }).expect(200);
      });

      it('cannot go back to qualified (409 invalid-status-transition)', async () => {
        const backwards = await as(staff.token).patch(`/leads/${lost.id}`, { status: 'qualified' }).expect(409);
        expect(backwards.body.type).toMatch(/\/invalid-status-transition$/);
      });

      it('cannot be converted (409)', async () => {
        await as(staff.token).post(`/leads/${lost.id}/convert`, { amount: '10.00', currency: 'USD' }).expect(409);
      });

      it('can be reopened as contacted', async () => {
        await as(staff.token).patch(`/leads/${lost.id}`, { status: 'contacted' }).expect(200);
      });
    });

    it('refuses converted as a status to PATCH (400): only /convert converts', async () => {
      const lead = await newLead('Not by PATCH');
      await as(staff.token).patch(`/leads/${lead.id}`, { status: 'contacted' }).expect(200);
      await as(staff.token).patch(`/leads/${lead.id}`, { status: 'converted' }).expect(400);
    });

    describe('a lead lost, reopened and converted', () => {
      let lead: { id: string };
      let deal: request.Response;
      beforeAll(async () => {
        lead = (await as(staff.token).post('/leads', { name: 'Flow', company: 'Flow Ltd' }).expect(201)).body;
        await as(staff.token).patch(`/leads/${lead.id}`, { status: 'lost' }).expect(200);
        await as(staff.token).patch(`/leads/${lead.id}`, { status: 'contacted' }).expect(200);
        deal = await as(staff.token)
          .post(`/leads/${lead.id}/convert`, { amount: '12500', currency: 'EUR' })
          .expect(201);
      });

      it("became a deal titled after its company, owned by the lead's owner, its amount a decimal string", () => {
        expect(deal.body).toMatchObject({
          title: 'Flow Ltd',
          amount: '12500.00',
          currency: 'EUR',
          stage: 'prospecting',
          leadId: lead.id,
          ownerId: staff.id,
          closedAt: null,
        });
      });

      it('stored the amount as the exact numeric 12500.00', async () => {
        const [row] = await t.sql<{ amount: string }>(
          'select amount::text from deals where lead_id = $1',
          [lead.id],
          acme.dbName,
        );
        expect(row.amount).toBe('12500.00');
      });

      it('reads as converted', async () => {
        const converted = await as(staff.token).get(`/leads/${lead.id}`).expect(200);
        expect(converted.body.status).toBe('converted');
      });

      it('is final: a change is a 409', async () => {
        await as(staff.token).patch(`/leads/${lead.id}`, { name: 'changed' }).expect(409);
      });

      it('is final: a second conversion is a 409', async () => {
        await as(staff.token).post(`/leads/${lead.id}/convert`, { amount: '1.00', currency: 'EUR' }).expect(409);
      });

      it('is final: an assignment is a 409', async () => {
        await as(manager.token).post(`/leads/${lead.id}/assign`, { ownerId: manager.id }).expect(409);
      });
    });
  });

  describe('money: decimal strings with an ISO-4217 currency, never floats', () => {
    let precise: request.Response;
    let big: request.Response;
    beforeAll(async () => {
      precise = await as(manager.token)
        .post('/deals', { title: 'Precise', amount: '0.10', currency: 'USD' })
        .expect(201);
      big = await as(manager.token)
        .post('/deals', { title: 'Big', amount: '999999999999.99', currency: 'JPY' })
        .expect(201);
    });

    it('keeps cents exactly', () => {
      expect(precise.body.amount).toBe('0.10');
    });

    it('keeps the largest amount exactly', () => {
      expect(big.body.amount).toBe('999999999999.99');
    });

    it.each([
      [12.5, 'USD'],
      ['12.505', 'USD'],
      ['-1.00', 'USD'],
      ['1e3', 'USD'],
      ['1000000000000.00', 'USD'],
      ['10.00', 'usd'],
      ['10.00', 'XYZ'],
      ['10.00', 'US'],
    ] as const)('refuses the amount %p in %p (400)', async (amount, currency) => {
      await as(manager.token).post('/deals', { title: 'Bad', amount, currency }).expect(400);
    });

    it('refuses an expected close date that does not exist (400)', async () => {
      await as(manager.token)
        .post('/deals', { title: 'Bad', amount: '1.00', currency: 'USD', expectedCloseDate: '2026-02-30' })
        .expect(400);
    });
  });

  it('stamps closedAt on won or lost and clears it when the deal reopens', async () => {
    const deal = (
      await as(staff.token)
        .post('/deals', { title: 'Close me', amount: '100.00', currency: 'USD', expectedCloseDate: '2026-12-31' })
        .expect(201)
    ).body;
    expect(deal.closedAt).toBeNull();
    expect(deal.expectedCloseDate).toBe('2026-12-31');
    const won = await as(staff.token).patch(`/deals/${deal.id}`, { stage: 'won' }).expect(200);
    expect(Date.parse(won.body.closedAt)).toBeGreaterThan(Date.parse(deal.createdAt) - 1000);
    const reopened = await as(staff.token).patch(`/deals/${deal.id}`, { stage: 'negotiation' }).expect(200);
    expect(reopened.body.closedAt).toBeNull();
    const createdLost = await as(staff.token)
      .post('/deals', { title: 'Lost at once', amount: '5.00', currency: 'USD', stage: 'lost' })
      .expect(201);
    expect(createdLost.body.closedAt).not.toBeNull();
  });

  describe('the record rules of deals: staff own theirs, others 404, no delete or assign', () => {
    let mine: { id: string };
    let theirs: { id: string };
    const staffDeal = async (title: string) =>
      (await as(staff.token).post('/deals', { title, amount: '1.00', currency: 'USD' }).expect(201)).body as {
        id: string;
      };
    beforeAll(async () => {
      mine = await staffDeal('Staff deal');
      theirs = (
        await as(manager.token).post('/deals', { title: 'Manager deal', amount: '2.00', currency: 'USD' }).expect(201)
      ).body;
    });

    it('lists staff only their own deals', async () => {
      const list = await as(staff.token).get('/deals?limit=100').expect(200);
      expect(list.body.data.map((d: { id: string }) => d.id)).toContain(mine.id);
      expect(list.body.data.every((d: { ownerId: string }) => d.ownerId === staff.id)).toBe(true);
    });

    it("answers staff reading a manager's deal with 404", async () => {
      await as(staff.token).get(`/deals/${theirs.id}`).expect(404);
    });

    it("answers staff changing a manager's deal with 404", async () => {
      await as(staff.token).patch(`/deals/${theirs.id}`, { title: 'x' }).expect(404);
    });

    it('refuses staff deleting their own deal (403)', async () => {
      await as(staff.token).delete(`/deals/${mine.id}`).expect(403);
    });

    it('refuses staff assigning their own deal (403)', async () => {
      await as(staff.token).post(`/deals/${mine.id}/assign`, { ownerId: manager.id }).expect(403);
    });

    it('refuses an ownerId in a new deal (400)', async () => {
      await as(staff.token)
        .post('/deals', { title: 'x', amount: '1.00', currency: 'USD', ownerId: manager.id })
        .expect(400);
    });

    it('refuses staff linking a deal to a lead they cannot see (400)', async () => {
      const managerLead = (await as(manager.token).post('/leads', { name: 'not for staff' }).expect(201)).body;
      await as(staff.token)
        .post('/deals', { title: 'x', amount: '1.00', currency: 'USD', leadId: managerLead.id })
        .expect(400);
    });

    it('lets a manager take a staff deal over, after which staff get 404 for it', async () => {
      const deal = await staffDeal('Taken over');
      await as(manager.token).post(`/deals/${deal.id}/assign`, { ownerId: manager.id }).expect(200);
      await as(staff.token).get(`/deals/${deal.id}`).expect(404);
    });

    it('lets a manager delete a deal (204)', async () => {
      const deal = await staffDeal('Deleted');
      await as(manager.token).delete(`/deals/${deal.id}`).expect(204);
    });

    it('shows Globex none of it', async () => {
      await as(globex.token, globex).get(`/deals/${theirs.id}`).expect(404);
      expect((await as(globex.token, globex).get('/deals').expect(200)).body.meta.total).toBe(0);
    });
  });

  describe('deal lists', () => {
    it('filter by currency', async () => {
      const byCurrency = await as(manager.token).get('/deals?currency=JPY').expect(200);
      expect(byCurrency.body.data.map((d: { title: string }) => d.title)).toEqual(['Big']);
    });

    it('sort by amount, largest first', async () => {
      const sorted = await as(manager.token).get('/deals?sort=-amount&limit=2').expect(200);
      expect(sorted.body.data[0].amount).toBe('999999999999.99');
    });

    it('search titles case-insensitively', async () => {
      const search = await as(manager.token).get('/deals?q=PRECI').expect(200);
      expect(search.body.data.map((d: { title: string }) => d.title)).toEqual(['Precise']);
    });

    it('refuse a sort field outside the list (400)', async () => {
      await as(manager.token).get('/deals?sort=ownerId').expect(400);
    });

    it('refuse an unknown stage (400)', async () => {
      await as(manager.token).get('/deals?stage=closed').expect(400);
    });
  });

  describe('the sales summary: SQL aggregates per stage and currency, honouring from/to', () => {
    let start: string;
    let report: request.Response;
    const stage = (name: string) => report.body.byStage.find((s: { stage: string }) => s.stage === name);
    beforeAll(async () => {
      start = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 20));
      const fresh = (await as(globex.token, globex).post('/leads', { name: 'Report lead' }).expect(201)).body;
      await as(globex.token, globex).post('/leads', { name: 'Other lead' }).expect(201);
      await as(globex.token, globex)
        .post(`/leads/${fresh.id}/convert`, { amount: '100.50', currency: 'USD' })
        .expect(201);
      const d1 = (
        await as(globex.token, globex).post('/deals', { title: 'A', amount: '200.25', currency: 'USD' }).expect(201)
      ).body;
      await as(globex.token, globex)
        .post('/deals', { title: 'B', amount: '300.00', currency: 'EUR', stage: 'won' })
        .expect(201);
      await as(globex.token, globex).patch(`/deals/${d1.id}`, { stage: 'won' }).expect(200);
      report = await as(globex.token, globex)
        .get(`/reports/sales-summary?from=${encodeURIComponent(start)}`)
        .expect(200);
    });

    it('counts and sums the deals of each stage per currency', () => {
      expect(stage('prospecting')).toEqual({ stage: 'prospecting', count: 1, amount: { USD: '100.50' } });
      expect(stage('won')).toEqual({ stage: 'won', count: 2, amount: { USD: '200.25', EUR: '300.00' } });
      expect(stage('lost')).toEqual({ stage: 'lost', count: 0, amount: {} });
    });

    it('sums the won amount per currency', () => {
      expect(report.body.wonAmount).toEqual({ USD: '200.25', EUR: '300.00' });
    });

    it('counts the leads of each status', () => {
      expect(report.body.leadsByStatus.find((s: { status: string }) => s.status === 'converted').count).toBe(1);
    });

    it('gives the share of leads converted', () => {
      expect(report.body.conversionRate).toBe(0.5);
    });

    it('is empty for a period with nothing in it', async () => {
      const empty = await as(globex.token, globex)
        .get('/reports/sales-summary?from=2000-01-01&to=2000-02-01')
        .expect(200);
      expect(empty.body.wonAmount).toEqual({});
      expect(empty.body.conversionRate).toBe(0);
    });

    it('reads from and to that fall in 1 BC in UTC (year 1 with an offset) as those instants', async () => {
      const bc = encodeURIComponent('0001-01-01T00:00:00+23:59');
      const [all, since, until] = await Promise.all(
        ['', `?from=${bc}`, `?from=${bc}&to=0001-01-01T00:00:00Z`].map((q) =>
          as(globex.token, globex).get(`/reports/sales-summary${q}`),
        ),
      );
      expect([all.status, since.status, until.status]).toEqual([200, 200, 200]);
      expect(since.body.byStage).toEqual(all.body.byStage);
      expect(since.body.wonAmount).toEqual(all.body.wonAmount);
      expect(all.body.wonAmount).toEqual(expect.objectContaining({ EUR: expect.any(String) }));
      expect(until.body.wonAmount).toEqual({});
    });

    it('refuses a period ending before it starts (400)', async () => {
      await as(globex.token, globex).get('/reports/sales-summary?from=2026-02-01&to=2026-01-01').expect(400);
    });

    it('refuses a date that is not one (400)', async () => {
      await as(globex.token, globex).get('/reports/sales-summary?from=soon').expect(400);
    });

    it('refuses staff (403)', async () => {
      await as(staff.token).get('/reports/sales-summary').expect(403);
    });

    it("knows nothing of another tenant's deals", async () => {
      const acmeReport = await as(manager.token)
        .get(`/reports/sales-summary?from=${encodeURIComponent(start)}`)
        .expect(200);
      expect(acmeReport.body.wonAmount).toEqual({});
    });
  });

  it('audits a conversion as one transaction: the lead update and the new deal', async () => {
    const lead = (await as(manager.token).post('/leads', { name: 'Audit convert' }).expect(201)).body;
    const deal = (
      await as(manager.token).post(`/leads/${lead.id}/convert`, { amount: '7.00', currency: 'GBP' }).expect(201)
    ).body;
    const entries = (await as(acme.token).get('/audit-logs?action=lead.convert&limit=100').expect(200)).body.data as {
      entity: string;
      entityId: string;
      changes: Record<string, unknown>;
    }[];
    const mine = entries.filter((e) => e.entityId === lead.id || e.entityId === deal.id);
    expect(mine.map((e) => e.entity).sort()).toEqual(['deal', 'lead']);
    expect(mine.find((e) => e.entity === 'lead')!.changes).toEqual({ status: { before: 'new', after: 'converted' } });
  });
});
