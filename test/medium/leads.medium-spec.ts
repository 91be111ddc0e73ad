import { Deal, Lead } from '@app/crm';
import { HiddenRecordException, NotFoundException } from '@app/common';
import { ListLeadsQuery } from '../../libs/crm/src/leads/dto/list-leads.query';
import { LeadsService } from '../../libs/crm/src/leads/leads.service';
import { MediumApp, MediumTenant, MediumUser } from '../support/medium-app';

const query = (fields: Partial<ListLeadsQuery> = {}): ListLeadsQuery => Object.assign(new ListLeadsQuery(), fields);

describe('LeadsService (two tenants)', () => {
  let medium: MediumApp;
  let leads: LeadsService;
  let acme: MediumTenant;
  let globex: MediumTenant;
  let staff: MediumUser;
  let otherStaff: MediumUser;
  let manager: MediumUser;

  beforeAll(async () => {
    medium = await MediumApp.start();
    leads = medium.get(LeadsService);
    [acme, globex] = await Promise.all([medium.newTenant('acme'), medium.newTenant('globex')]);
    [staff, otherStaff, manager] = await Promise.all([
      acme.newUser('staff'),
      acme.newUser('staff'),
      acme.newUser('manager'),
    ]);
  });
  afterAll(() => medium?.stop());

  const create = (tenant: MediumTenant, user: MediumUser, name: string, company?: string) =>
    tenant.runAs(user, (p) => leads.create(p, { name, company }));

  it('creates a lead owned by its caller, new', async () => {
    const lead = await create(acme, staff, 'Wile', 'Acme');
    expect(lead).toMatchObject({ name: 'Wile', company: 'Acme', status: 'new', ownerId: staff.id, email: null });
  });

  it("lists only the tenant's own leads", async () => {
    const mine = await create(acme, manager, 'Only at Acme');
    const theirs = await create(globex, globex.admin, 'Only at Globex');
    const acmeIds = (await acme.runAs(manager, (p) => leads.list(p, query({ limit: 100 })))).data.map((l) => l.id);
    const globexIds = (await globex.runAs(globex.admin, (p) => leads.list(p, query({ limit: 100 })))).data.map(
      (l) => l.id,
    );
    expect(acmeIds).toContain(mine.id);
    expect(acmeIds).not.toContain(theirs.id);
    expect(globexIds).toContain(theirs.id);
    expect(globexIds).not.toContain(mine.id);
  });

  it("answers another tenant's lead id as missing (404), not hidden", async () => {
    const lead = await create(acme, manager, 'Not at Globex');
    const read = globex.runAs(globex.admin, (p) => leads.get(p, lead.id));
    await expect(read).rejects.toBeInstanceOf(NotFoundException);
    await expect(read).rejects.not.toBeInstanceOf(HiddenRecordException);
  });

  it("refuses to change or delete another tenant's lead, which stays as it was", async () => {
    const lead = await create(acme, manager, 'Untouchable');
    await expect(
      globex.runAs(globex.admin, (p) => leads.update(p, lead.id, { name: 'changed' })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(globex.runAs(globex.admin, (p) => leads.remove(p, lead.id))).rejects.toBeInstanceOf(NotFoundException);
    expect((await acme.runAs(manager, (p) => leads.get(p, lead.id))).name).toBe('Untouchable');
  });

  it('shows staff only the leads they own, managers all of them', async () => {
    const own = await create(acme, staff, 'Staff own');
    const other = await create(acme, otherStaff, 'Other staff');
    const staffList = (await acme.runAs(staff, (p) => leads.list(p, query({ limit: 100 })))).data;
    expect(staffList.every((l) => l.ownerId === staff.id)).toBe(true);
    expect(staffList.map((l) => l.id)).toContain(own.id);
    const managerIds = (await acme.runAs(manager, (p) => leads.list(p, query({ limit: 100 })))).data.map((l) => l.id);
    expect(managerIds).toEqual(expect.arrayContaining([own.id, other.id]));
  });

  it("answers staff reading a colleague's lead as hidden (404, audited as denied)", async () => {
    const other = await create(acme, otherStaff, 'Colleague lead');
    await expect(acme.runAs(staff, (p) => leads.get(p, other.id))).rejects.toBeInstanceOf(HiddenRecordException);
  });

  it('gives staff an empty page when they filter by another owner', async () => {
    await create(acme, otherStaff, 'Filtered away');
    const page = await acme.runAs(staff, (p) => leads.list(p, query({ ownerId: otherStaff.id })));
    expect(page).toEqual({ data: [], meta: { page: 1, limit: 20, total: 0 } });
  });

  it('searches name, email and company case-insensitively, taking % literally', async () => {
    const hit = await create(acme, manager, 'Searchable', 'Road Runner 100% Inc');
    await create(acme, manager, 'Road Runner 100 Inc');
    const found = await acme.runAs(manager, (p) => leads.list(p, query({ q: 'runner 100%' })));
    expect(found.data.map((l) => l.id)).toEqual([hit.id]);
  });

  it('moves a lead along its status transitions', async () => {
    const lead = await create(acme, staff, 'Flow');
    for (const status of ['contacted', 'qualified', 'lost'] as const) {
      expect((await acme.runAs(staff, (p) => leads.update(p, lead.id, { status }))).status).toBe(status);
    }
  });

  it('refuses a transition the lead may not take (409 invalid-status-transition)', async () => {
    const lead = await create(acme, staff, 'Backwards');
    await acme.runAs(staff, (p) => leads.update(p, lead.id, { status: 'lost' }));
    await expect(acme.runAs(staff, (p) => leads.update(p, lead.id, { status: 'qualified' }))).rejects.toMatchObject({
      status: 409,
      code: 'invalid-status-transition',
    });
  });

  it("converts a lead into a deal titled after its company, owned by the lead's owner", async () => {
    const lead = await create(acme, staff, 'Convert me', 'Convert Ltd');
    const deal = await acme.runAs(staff, (p) => leads.convert(p, lead.id, { amount: '12500', currency: 'EUR' }));
    expect(deal).toMatchObject({
      title: 'Convert Ltd',
      amount: '12500.00',
      currency: 'EUR',
      stage: 'prospecting',
      leadId: lead.id,
      ownerId: staff.id,
      closedAt: null,
    });
    expect((await acme.runAs(staff, (p) => leads.get(p, lead.id))).status).toBe('converted');
  });

  it('keeps a converted lead final: no change, no second conversion, no assignment (409 lead-converted)', async () => {
    const lead = await create(acme, staff, 'Final');
    await acme.runAs(staff, (p) => leads.convert(p, lead.id, { amount: '1.00', currency: 'USD' }));
    const converted = { status: 409, code: 'lead-converted' };
    await expect(acme.runAs(staff, (p) => leads.update(p, lead.id, { name: 'changed' }))).rejects.toMatchObject(
      converted,
    );
    await expect(
      acme.runAs(staff, (p) => leads.convert(p, lead.id, { amount: '1.00', currency: 'USD' })),
    ).rejects.toMatchObject(converted);
    await expect(acme.runAs(manager, (p) => leads.assign(p, lead.id, { ownerId: manager.id }))).rejects.toMatchObject(
      converted,
    );
  });

  it('assigns a lead to another active user of the tenant', async () => {
    const lead = await create(acme, staff, 'Reassigned');
    expect((await acme.runAs(manager, (p) => leads.assign(p, lead.id, { ownerId: otherStaff.id }))).ownerId).toBe(
      otherStaff.id,
    );
  });

  it('refuses to assign a lead to a user of another tenant (400 ownerId)', async () => {
    const lead = await create(acme, staff, 'Not for Globex');
    const assign = acme.runAs(manager, (p) => leads.assign(p, lead.id, { ownerId: globex.admin.id }));
    await expect(assign).rejects.toMatchObject({
      status: 400,
      errors: [{ field: 'ownerId', message: 'ownerId must be an active user of this tenant' }],
    });
  });

  it('deletes a lead and unlinks its deal in the same transaction', async () => {
    const lead = await create(acme, manager, 'Deleted');
    const deal = await acme.runAs(manager, (p) => leads.convert(p, lead.id, { amount: '3.00', currency: 'USD' }));
    await acme.runAs(manager, (p) => leads.remove(p, lead.id));
    const rows = await acme.run(async (em) => ({
      lead: await em.findOne(Lead, { id: lead.id }),
      deal: await em.findOneOrFail(Deal, { id: deal.id }),
    }));
    expect(rows.lead).toBeNull();
    expect(rows.deal.leadId).toBeNull();
  });
});
