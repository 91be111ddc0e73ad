import { AuditLog, REDACTED, verifyAuditChain } from '@app/audit';
import { Lead } from '@app/crm';
import { TenantContext } from '@app/tenancy';
import { LeadsService } from '../../libs/crm/src/leads/leads.service';
import { UsersService } from '../../libs/auth/src/users/users.service';
import { AuditLogsService } from '../../libs/audit/src/audit-logs.service';
import { ListAuditLogsQuery } from '../../libs/audit/src/dto/list-audit-logs.query';
import { MEDIUM_PASSWORD, MediumApp, MediumTenant, MediumUser } from '../support/medium-app';

/** The audit trail's flush subscriber: one entry per changed record, its field-level diff, in the change's own transaction. */
describe('Audit entries of service changes (two tenants)', () => {
  let medium: MediumApp;
  let leads: LeadsService;
  let acme: MediumTenant;
  let globex: MediumTenant;
  let manager: MediumUser;

  beforeAll(async () => {
    medium = await MediumApp.start();
    leads = medium.get(LeadsService);
    [acme, globex] = await Promise.all([medium.newTenant('acme'), medium.newTenant('globex')]);
    manager = await acme.newUser('manager');
  });
  afterAll(() => medium?.stop());

  const entriesFor = (tenant: MediumTenant, entityId: string) =>
    tenant.run((em) => em.find(AuditLog, { entityId }, { orderBy: { seq: 'asc' } }));
  const newLead = (name: string, company?: string) =>
    acme.runAs(manager, (p) => leads.create(p, { name, company }), 'lead.create');

  it('writes one entry for a created record: its values, the actor and the action of the request', async () => {
    const lead = await newLead('Created', 'Acme');
    const [entry, ...more] = await entriesFor(acme, lead.id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      tenant: acme.slug,
      actorId: manager.id,
      actorRole: 'manager',
      action: 'lead.create',
      entity: 'lead',
      outcome: 'success',
    });
    expect(entry.changes).toMatchObject({
      name: { after: 'Created' },
      company: { after: 'Acme' },
      status: { after: 'new' },
      ownerId: { after: manager.id },
    });
    expect(entry.changes).not.toHaveProperty('name.before');
  });

  it('leaves the timestamps out of the diff', async () => {
    const lead = await newLead('No noise');
    const [entry] = await entriesFor(acme, lead.id);
    expect(entry.changes).toHaveProperty('name');
    expect(entry.changes).not.toHaveProperty('createdAt');
    expect(entry.changes).not.toHaveProperty('updatedAt');
  });

  it('records only the changed fields of an update, before and after', async () => {
    const lead = await newLead('Before', 'Same Co');
    await acme.runAs(manager, (p) => leads.update(p, lead.id, { name: 'After', company: 'Same Co' }), 'lead.update');
    const [, update] = await entriesFor(acme, lead.id);
    expect(update).toMatchObject({ action: 'lead.update', actorId: manager.id });
    expect(update.changes).toEqual({ name: { before: 'Before', after: 'After' } });
  });

  it('writes no entry for an update that changes nothing', async () => {
    const lead = await newLead('Unchanged');
    await acme.runAs(manager, (p) => leads.update(p, lead.id, { name: 'Unchanged' }), 'lead.update');
    expect(await entriesFor(acme, lead.id)).toHaveLength(1);
  });

  it("records a deleted record's last values", async () => {
    const lead = await newLead('Deleted', 'Gone Co');
    await acme.runAs(manager, (p) => leads.remove(p, lead.id), 'lead.delete');
    const [, removal] = await entriesFor(acme, lead.id);
    expect(removal).toMatchObject({ action: 'lead.delete', entity: 'lead' });
    expect(removal.changes).toMatchObject({ name: { before: 'Deleted' }, company: { before: 'Gone Co' } });
    expect(removal.changes).not.toHaveProperty('name.after');
  });

  it("names every entry of a conversion after the request's action: the lead's change and the new deal", async () => {
    const lead = await newLead('Converted');
    const deal = await acme.runAs(
      manager,
      (p) => leads.convert(p, lead.id, { amount: '7.00', currency: 'GBP' }),
      'lead.convert',
    );
    const [, leadChange] = await entriesFor(acme, lead.id);
    const [dealCreation] = await entriesFor(acme, deal.id);
    expect(leadChange).toMatchObject({
      action: 'lead.convert',
      entity: 'lead',
      changes: { status: { before: 'new', after: 'converted' } },
    });
    expect(dealCreation).toMatchObject({
      action: 'lead.convert',
      entity: 'deal',
      changes: { amount: { after: '7.00' }, leadId: { after: lead.id } },
    });
  });

  it('redacts secret fields: a password hash is noted, never written', async () => {
    const user = await acme.runAs(
      acme.admin,
      () =>
        medium
          .get(UsersService)
          .create({ email: 'audited@acme.test', name: 'Audited', password: MEDIUM_PASSWORD, role: 'staff' }),
      'user.create',
    );
    const [entry] = await entriesFor(acme, user.id);
    expect(entry.changes.passwordHash).toEqual({ after: REDACTED });
    expect(JSON.stringify(entry.changes)).not.toMatch(/argon2/);
  });

  it('names the system as the actor of a change outside a request, and the database as its tenant', async () => {
    const lead = await acme.runAs(manager, (p) => leads.create(p, { name: 'By a job' }));
    const [entry] = await entriesFor(acme, lead.id);
    expect(entry).toMatchObject({
      actorId: 'system',
      actorRole: 'system',
      action: 'lead.create',
      tenant: acme.resolved.dbName,
    });
  });

  it('writes no entry for a change that rolls back', async () => {
    const id = await acme
      .run((em) =>
        em.transactional(async (tx) => {
          const lead = tx.create(Lead, { name: 'Rolled back', ownerId: manager.id });
          await tx.flush();
          throw Object.assign(new Error('roll back'), { leadId: lead.id });
        }),
      )
      .catch((error: { leadId: string }) => error.leadId);
    expect(await acme.run((em) => em.count(Lead, { id }))).toBe(0);
    expect(await entriesFor(acme, id)).toEqual([]);
  });

  it("keeps each tenant's entries in its own database", async () => {
    const lead = await newLead('Acme only');
    await globex.runAs(globex.admin, (p) => leads.create(p, { name: 'Globex only' }), 'lead.create');
    expect(await entriesFor(globex, lead.id)).toEqual([]);
    const globexTenants = await globex.run(async (em) => [
      ...new Set((await em.find(AuditLog, {})).map((e) => e.tenant)),
    ]);
    expect(globexTenants).toContain(globex.slug);
    expect(globexTenants).not.toContain(acme.slug);
    expect(globexTenants).not.toContain(acme.resolved.dbName);
  });

  it('reads from and to that fall in 1 BC in UTC (year 1 with an offset) as those instants', async () => {
    await newLead('Since 1 BC');
    const list = (fields: Partial<ListAuditLogsQuery>) =>
      acme.run(() =>
        new AuditLogsService(medium.get(TenantContext)).list(
          Object.assign(new ListAuditLogsQuery(), { limit: 1, ...fields }),
        ),
      );
    const bc = '0001-01-01T00:00:00+23:59';
    const [all, since, until] = await Promise.all([list({}), list({ from: bc }), list({ to: bc })]);
    expect(all.meta.total).toBeGreaterThan(0);
    expect(since.meta.total).toBe(all.meta.total);
    expect(until.meta.total).toBe(0);
  });

  it("chains each tenant's entries on its own: both chains verify", async () => {
    await newLead('Chained');
    await globex.runAs(globex.admin, (p) => leads.create(p, { name: 'Chained too' }), 'lead.create');
    const [acmeChain, globexChain] = await Promise.all([acme.run(verifyAuditChain), globex.run(verifyAuditChain)]);
    expect(acmeChain).toMatchObject({ ok: true });
    expect(globexChain).toMatchObject({ ok: true });
    expect(acmeChain.entries).toBeGreaterThan(1);
    expect(globexChain.entries).toBeGreaterThan(1);
  });
});
