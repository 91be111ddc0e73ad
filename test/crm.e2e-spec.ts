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
    const login = await t.http().post('/api/v1/auth/login').set('x-tenant-id', acme.slug).send({ email, password }).expect(200);
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

  it('validates lead status transitions; a converted lead is final', async () => {
    const lead = (await as(staff.token).post('/leads', { name: 'Flow', company: 'Flow Ltd' }).expect(201)).body;
    await as(staff.token).patch(`/leads/${lead.id}`, { status: 'contacted' }).expect(200);
    await as(staff.token).patch(`/leads/${lead.id}`, { status: 'qualified' }).expect(200);
    await as(staff.token).patch(`/leads/${lead.id}`, { status: 'lost' }).expect(200);
    const backwards = await as(staff.token).patch(`/leads/${lead.id}`, { status: 'qualified' }).expect(409);
    expect(backwards.body.type).toMatch(/\/invalid-status-transition$/);
    await as(staff.token).post(`/leads/${lead.id}/convert`, { amount: '10.00', currency: 'USD' }).expect(409);
    await as(staff.token).patch(`/leads/${lead.id}`, { status: 'contacted' }).expect(200);
    await as(staff.token).patch(`/leads/${lead.id}`, { status: 'converted' }).expect(400);

    const deal = await as(staff.token).post(`/leads/${lead.id}/convert`, { amount: '12500', currency: 'EUR' }).expect(201);
    expect(deal.body).toMatchObject({ title: 'Flow Ltd', amount: '12500.00', currency: 'EUR', stage: 'prospecting', leadId: lead.id, ownerId: staff.id, closedAt: null });
    const converted = await as(staff.token).get(`/leads/${lead.id}`).expect(200);
    expect(converted.body.status).toBe('converted');
    await as(staff.token).patch(`/leads/${lead.id}`, { name: 'changed' }).expect(409);
    await as(staff.token).post(`/leads/${lead.id}/convert`, { amount: '1.00', currency: 'EUR' }).expect(409);
    await as(manager.token).post(`/leads/${lead.id}/assign`, { ownerId: manager.id }).expect(409);
    const [row] = await t.sql<{ amount: string }>('select amount::text from deals where lead_id = $1', [lead.id], acme.dbName);
    expect(row.amount).toBe('12500.00');
  });

  it('keeps money as decimal strings with an ISO-4217 currency, never floats', async () => {
    const ok = await as(manager.token).post('/deals', { title: 'Precise', amount: '0.10', currency: 'USD' }).expect(201);
    expect(ok.body.amount).toBe('0.10');
    const big = await as(manager.token).post('/deals', { title: 'Big', amount: '999999999999.99', currency: 'JPY' }).expect(201);
    expect(big.body.amount).toBe('999999999999.99');
    for (const [amount, currency] of [
      [12.5, 'USD'],
      ['12.505', 'USD'],
      ['-1.00', 'USD'],
      ['1e3', 'USD'],
      ['1000000000000.00', 'USD'],
      ['10.00', 'usd'],
      ['10.00', 'XYZ'],
      ['10.00', 'US'],
    ] as const) {
      await as(manager.token).post('/deals', { title: 'Bad', amount, currency }).expect(400);
    }
    await as(manager.token).post('/deals', { title: 'Bad', amount: '1.00', currency: 'USD', expectedCloseDate: '2026-02-30' }).expect(400);
  });

  it('stamps closedAt on won or lost and clears it when the deal reopens', async () => {
    const deal = (await as(staff.token).post('/deals', { title: 'Close me', amount: '100.00', currency: 'USD', expectedCloseDate: '2026-12-31' }).expect(201)).body;
    expect(deal.closedAt).toBeNull();
    expect(deal.expectedCloseDate).toBe('2026-12-31');
    const won = await as(staff.token).patch(`/deals/${deal.id}`, { stage: 'won' }).expect(200);
    expect(Date.parse(won.body.closedAt)).toBeGreaterThan(Date.parse(deal.createdAt) - 1000);
    const reopened = await as(staff.token).patch(`/deals/${deal.id}`, { stage: 'negotiation' }).expect(200);
    expect(reopened.body.closedAt).toBeNull();
    const createdLost = await as(staff.token).post('/deals', { title: 'Lost at once', amount: '5.00', currency: 'USD', stage: 'lost' }).expect(201);
    expect(createdLost.body.closedAt).not.toBeNull();
  });

  it('applies the record rules to deals: staff own theirs, others 404, no delete or assign', async () => {
    const mine = (await as(staff.token).post('/deals', { title: 'Staff deal', amount: '1.00', currency: 'USD' }).expect(201)).body;
    const theirs = (await as(manager.token).post('/deals', { title: 'Manager deal', amount: '2.00', currency: 'USD' }).expect(201)).body;
    const list = await as(staff.token).get('/deals?limit=100').expect(200);
    expect(list.body.data.every((d: { ownerId: string }) => d.ownerId === staff.id)).toBe(true);
    await as(staff.token).get(`/deals/${theirs.id}`).expect(404);
    await as(staff.token).patch(`/deals/${theirs.id}`, { title: 'x' }).expect(404);
    await as(staff.token).delete(`/deals/${mine.id}`).expect(403);
    await as(staff.token).post(`/deals/${mine.id}/assign`, { ownerId: manager.id }).expect(403);
    await as(staff.token).post('/deals', { title: 'x', amount: '1.00', currency: 'USD', ownerId: manager.id }).expect(400);
    const managerLead = (await as(manager.token).post('/leads', { name: 'not for staff' }).expect(201)).body;
    await as(staff.token).post('/deals', { title: 'x', amount: '1.00', currency: 'USD', leadId: managerLead.id }).expect(400);
    await as(manager.token).post(`/deals/${mine.id}/assign`, { ownerId: manager.id }).expect(200);
    await as(staff.token).get(`/deals/${mine.id}`).expect(404);
    await as(manager.token).delete(`/deals/${mine.id}`).expect(204);
    // Globex sees none of it.
    await as(globex.token, globex).get(`/deals/${theirs.id}`).expect(404);
    expect((await as(globex.token, globex).get('/deals').expect(200)).body.meta.total).toBe(0);
  });

  it('filters and sorts deals', async () => {
    const byCurrency = await as(manager.token).get('/deals?currency=JPY').expect(200);
    expect(byCurrency.body.data.map((d: { title: string }) => d.title)).toEqual(['Big']);
    const sorted = await as(manager.token).get('/deals?sort=-amount&limit=2').expect(200);
    expect(sorted.body.data[0].amount).toBe('999999999999.99');
    const search = await as(manager.token).get('/deals?q=PRECI').expect(200);
    expect(search.body.data.map((d: { title: string }) => d.title)).toEqual(['Precise']);
    await as(manager.token).get('/deals?sort=ownerId').expect(400);
    await as(manager.token).get('/deals?stage=closed').expect(400);
  });

  it('reports sales per stage and currency from SQL aggregates, honouring from/to', async () => {
    const start = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const fresh = (await as(globex.token, globex).post('/leads', { name: 'Report lead' }).expect(201)).body;
    await as(globex.token, globex).post('/leads', { name: 'Other lead' }).expect(201);
    await as(globex.token, globex).post(`/leads/${fresh.id}/convert`, { amount: '100.50', currency: 'USD' }).expect(201);
    const d1 = (await as(globex.token, globex).post('/deals', { title: 'A', amount: '200.25', currency: 'USD' }).expect(201)).body;
    await as(globex.token, globex).post('/deals', { title: 'B', amount: '300.00', currency: 'EUR', stage: 'won' }).expect(201);
    await as(globex.token, globex).patch(`/deals/${d1.id}`, { stage: 'won' }).expect(200);

    const report = await as(globex.token, globex).get(`/reports/sales-summary?from=${encodeURIComponent(start)}`).expect(200);
    const stage = (name: string) => report.body.byStage.find((s: { stage: string }) => s.stage === name);
    expect(stage('prospecting')).toEqual({ stage: 'prospecting', count: 1, amount: { USD: '100.50' } });
    expect(stage('won')).toEqual({ stage: 'won', count: 2, amount: { USD: '200.25', EUR: '300.00' } });
    expect(stage('lost')).toEqual({ stage: 'lost', count: 0, amount: {} });
    expect(report.body.wonAmount).toEqual({ USD: '200.25', EUR: '300.00' });
    expect(report.body.leadsByStatus.find((s: { status: string }) => s.status === 'converted').count).toBe(1);
    expect(report.body.conversionRate).toBe(0.5);

    const empty = await as(globex.token, globex).get('/reports/sales-summary?from=2000-01-01&to=2000-02-01').expect(200);
    expect(empty.body.wonAmount).toEqual({});
    expect(empty.body.conversionRate).toBe(0);
    await as(globex.token, globex).get('/reports/sales-summary?from=2026-02-01&to=2026-01-01').expect(400);
    await as(globex.token, globex).get('/reports/sales-summary?from=soon').expect(400);
    await as(staff.token).get('/reports/sales-summary').expect(403);
    // Acme's report knows nothing of Globex's deals.
    const acmeReport = await as(manager.token).get(`/reports/sales-summary?from=${encodeURIComponent(start)}`).expect(200);
    expect(acmeReport.body.wonAmount).toEqual({});
  });

  it('audits a conversion as one transaction: the lead update and the new deal', async () => {
    const lead = (await as(manager.token).post('/leads', { name: 'Audit convert' }).expect(201)).body;
    const deal = (await as(manager.token).post(`/leads/${lead.id}/convert`, { amount: '7.00', currency: 'GBP' }).expect(201)).body;
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
