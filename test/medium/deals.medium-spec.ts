import { NotFoundException } from '@app/common';
import { Deal } from '@app/crm';
import { DealsService } from '../../libs/crm/src/deals/deals.service';
import { CreateDealDto } from '../../libs/crm/src/deals/dto/create-deal.dto';
import { ListDealsQuery } from '../../libs/crm/src/deals/dto/list-deals.query';
import { LeadsService } from '../../libs/crm/src/leads/leads.service';
import { MediumApp, MediumTenant, MediumUser } from '../support/medium-app';

const query = (fields: Partial<ListDealsQuery> = {}): ListDealsQuery =>
  Object.assign(new ListDealsQuery(), { limit: 100, ...fields });

describe('DealsService (two tenants)', () => {
  let medium: MediumApp;
  let deals: DealsService;
  let leads: LeadsService;
  let acme: MediumTenant;
  let globex: MediumTenant;
  let staff: MediumUser;
  let manager: MediumUser;

  beforeAll(async () => {
    medium = await MediumApp.start();
    deals = medium.get(DealsService);
    leads = medium.get(LeadsService);
    [acme, globex] = await Promise.all([medium.newTenant('acme'), medium.newTenant('globex')]);
    [staff, manager] = await Promise.all([acme.newUser('staff'), acme.newUser('manager')]);
  });
  afterAll(() => medium?.stop());

  const create = (tenant: MediumTenant, user: MediumUser, dto: Partial<CreateDealDto> = {}) =>
    tenant.runAs(user, (p) => deals.create(p, { title: 'Deal', amount: '1.00', currency: 'USD', ...dto }));
  const newLead = (tenant: MediumTenant, user: MediumUser) =>
    tenant.runAs(user, (p) => leads.create(p, { name: 'Lead for a deal' }));

  it('creates a deal owned by its caller, prospecting, its amount a two-decimal string', async () => {
    const deal = await create(acme, staff, { title: 'Precise', amount: '12500', currency: 'EUR' });
    expect(deal).toMatchObject({
      title: 'Precise',
      amount: '12500.00',
      currency: 'EUR',
      stage: 'prospecting',
      ownerId: staff.id,
      leadId: null,
      closedAt: null,
    });
  });

  it('keeps the largest amount exactly, as stored in numeric(14,2)', async () => {
    const deal = await create(acme, manager, { amount: '999999999999.99', currency: 'JPY' });
    const stored = await acme.run(
      async (em) =>
        (
          await em
            .getConnection()
            .execute<{ amount: string }[]>('select amount::text as amount from deals where id = ?', [deal.id])
        )[0],
    );
    expect(deal.amount).toBe('999999999999.99');
    expect(stored.amount).toBe('999999999999.99');
  });

  it("lists only the tenant's own deals", async () => {
    const mine = await create(acme, manager, { title: 'Acme deal' });
    const theirs = await create(globex, globex.admin, { title: 'Globex deal' });
    const acmeIds = (await acme.runAs(manager, (p) => deals.list(p, query()))).data.map((d) => d.id);
    const globexIds = (await globex.runAs(globex.admin, (p) => deals.list(p, query()))).data.map((d) => d.id);
    expect(acmeIds).toContain(mine.id);
    expect(acmeIds).not.toContain(theirs.id);
    expect(globexIds).toContain(theirs.id);
    expect(globexIds).not.toContain(mine.id);
  });

  it("answers another tenant's deal id as missing (404)", async () => {
    const deal = await create(acme, manager);
    await expect(globex.runAs(globex.admin, (p) => deals.get(p, deal.id))).rejects.toBeInstanceOf(NotFoundException);
  });

  it('refuses a leadId of another tenant (400 leadId)', async () => {
    const lead = await newLead(globex, globex.admin);
    await expect(create(acme, manager, { leadId: lead.id })).rejects.toMatchObject({
      status: 400,
      errors: [{ field: 'leadId', message: 'leadId must be a lead you can see' }],
    });
  });

  it("refuses staff a leadId of a colleague's lead (400 leadId)", async () => {
    const lead = await newLead(acme, manager);
    await expect(create(acme, staff, { leadId: lead.id })).rejects.toMatchObject({
      status: 400,
      errors: [{ field: 'leadId' }],
    });
  });

  it('links at most one deal to a lead (409 lead-has-deal)', async () => {
    const lead = await newLead(acme, manager);
    await create(acme, manager, { leadId: lead.id });
    await expect(create(acme, manager, { leadId: lead.id })).rejects.toMatchObject({
      status: 409,
      code: 'lead-has-deal',
    });
  });

  it('stamps closedAt when a deal is won', async () => {
    const deal = await create(acme, staff);
    const won = await acme.runAs(staff, (p) => deals.update(p, deal.id, { stage: 'won' }));
    expect(Date.parse(won.closedAt!)).toBeGreaterThan(Date.parse(deal.createdAt) - 1000);
  });

  it('clears closedAt when a won deal reopens', async () => {
    const deal = await create(acme, staff, { stage: 'won' });
    expect(deal.closedAt).not.toBeNull();
    expect((await acme.runAs(staff, (p) => deals.update(p, deal.id, { stage: 'negotiation' }))).closedAt).toBeNull();
  });

  it('clears a nullable field with null', async () => {
    const deal = await create(acme, staff, { expectedCloseDate: '2026-12-31' });
    expect(deal.expectedCloseDate).toBe('2026-12-31');
    expect(
      (await acme.runAs(staff, (p) => deals.update(p, deal.id, { expectedCloseDate: null }))).expectedCloseDate,
    ).toBeNull();
  });

  it('shows staff only the deals they own, managers all of them', async () => {
    const own = await create(acme, staff, { title: 'Staff own' });
    const other = await create(acme, manager, { title: 'Manager own' });
    const staffList = (await acme.runAs(staff, (p) => deals.list(p, query()))).data;
    expect(staffList.every((d) => d.ownerId === staff.id)).toBe(true);
    expect(staffList.map((d) => d.id)).toContain(own.id);
    expect((await acme.runAs(manager, (p) => deals.list(p, query()))).data.map((d) => d.id)).toEqual(
      expect.arrayContaining([own.id, other.id]),
    );
  });

  it("hides a manager's deal from staff on update (404)", async () => {
    const deal = await create(acme, manager);
    await expect(acme.runAs(staff, (p) => deals.update(p, deal.id, { title: 'x' }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it('filters by currency and searches titles case-insensitively', async () => {
    const chf = await create(acme, manager, { title: 'Swiss Watch', currency: 'CHF' });
    expect((await acme.runAs(manager, (p) => deals.list(p, query({ currency: 'CHF' })))).data.map((d) => d.id)).toEqual(
      [chf.id],
    );
    expect((await acme.runAs(manager, (p) => deals.list(p, query({ q: 'swiss WAT' })))).data.map((d) => d.id)).toEqual([
      chf.id,
    ]);
  });

  it('sorts by amount, largest first', async () => {
    for (const amount of ['10.00', '200.00', '3.50']) await create(acme, manager, { amount, currency: 'SEK' });
    const page = await acme.runAs(manager, (p) => deals.list(p, query({ currency: 'SEK', sort: '-amount' })));
    expect(page.data.map((d) => d.amount)).toEqual(['200.00', '10.00', '3.50']);
  });

  it('assigns a deal to another active user, after which staff no longer see it', async () => {
    const deal = await create(acme, staff);
    expect((await acme.runAs(manager, (p) => deals.assign(p, deal.id, { ownerId: manager.id }))).ownerId).toBe(
      manager.id,
    );
    await expect(acme.runAs(staff, (p) => deals.get(p, deal.id))).rejects.toBeInstanceOf(NotFoundException);
  });

  it('refuses to assign a deal to a user of another tenant (400 ownerId)', async () => {
    const deal = await create(acme, manager);
    await expect(
      acme.runAs(manager, (p) => deals.assign(p, deal.id, { ownerId: globex.admin.id })),
    ).rejects.toMatchObject({ status: 400, errors: [{ field: 'ownerId' }] });
  });

  it('deletes a deal', async () => {
    const deal = await create(acme, manager);
    await acme.runAs(manager, (p) => deals.remove(p, deal.id));
    expect(await acme.run((em) => em.count(Deal, { id: deal.id }))).toBe(0);
  });

  it("refuses to delete another tenant's deal, which stays", async () => {
    const deal = await create(acme, manager);
    await expect(globex.runAs(globex.admin, (p) => deals.remove(p, deal.id))).rejects.toBeInstanceOf(NotFoundException);
    expect(await acme.run((em) => em.count(Deal, { id: deal.id }))).toBe(1);
  });
});
