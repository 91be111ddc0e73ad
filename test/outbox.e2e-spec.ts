import { outboxSignal, type OutboxCommit } from '@app/events';
import { TestApp, TestTenant } from './support/test-app';

interface Row {
  seq: string;
  type: string;
  entity: string;
  entity_id: string;
  visible_to: string[];
  data: Record<string, unknown>;
}

/**
 * The transactional outbox (issue 16): every committed change of a lead, deal or user writes exactly
 * one event into the tenant's own `outbox` in the change's transaction, with a gap-free seq in
 * commit order; a rolled-back change writes none. Two tenants: globex never holds acme's events.
 */
describe('The transactional outbox (two tenants)', () => {
  let t: TestApp;
  let pt: string;
  let acme: TestTenant;
  let globex: TestTenant;
  let adminId: string;
  let managerId: string;
  const signals: OutboxCommit[] = [];

  const as = (tenant: TestTenant) => t.as(tenant.token, tenant.slug);
  const rows = (tenant: TestTenant, where = 'true', params: unknown[] = []) =>
    t.sql<Row>(
      `select seq, type, entity, entity_id, visible_to::text[] as visible_to, data from outbox where ${where} order by seq`,
      params,
      tenant.dbName,
    );
  const head = async (tenant: TestTenant) =>
    Number((await t.sql<{ n: string }>('select last_seq as n from outbox_head', [], tenant.dbName))[0].n);
  /** The events `change` wrote in acme, as [type, entity id]. */
  async function eventsOf(change: () => Promise<unknown>): Promise<[string, string][]> {
    const before = await head(acme);
    await change();
    return (await rows(acme, 'seq > $1', [before])).map((r) => [r.type, r.entity_id]);
  }
  /** Successful audit entries about a record other than its creation. */
  const changesAudited = (id: string) =>
    t.sql(
      `select action from audit_logs where entity_id = $1 and outcome = 'success' and action not like '%.create'`,
      [id],
      acme.dbName,
    );
  const newLead = async (name: string) => (await as(acme).post('/leads', { name }).expect(201)).body as { id: string };
  const newDeal = async (title: string) =>
    (await as(acme).post('/deals', { title, amount: '10.00', currency: 'EUR' }).expect(201)).body as { id: string };

  beforeAll(async () => {
    t = await TestApp.start();
    outboxSignal.onCommitted((commit) => void signals.push(commit));
    pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
    adminId = (await as(acme).get('/auth/me').expect(200)).body.id;
    const manager = await as(acme)
      .post('/users', { email: 'manager@acme.test', name: 'Manager', role: 'manager', password: 'manager-passphrase' })
      .expect(201);
    managerId = manager.body.id;
  });
  afterAll(() => t?.stop());

  describe('one event per committed change', () => {
    it('writes lead.created with the lead view, visible to its owner', async () => {
      let id = '';
      const events = await eventsOf(async () => (id = (await newLead('Created')).id));
      expect(events).toEqual([['lead.created', id]]);
      const [row] = await rows(acme, 'entity_id = $1', [id]);
      expect(row).toMatchObject({
        entity: 'lead',
        visible_to: [adminId],
        data: { id, name: 'Created', status: 'new' },
      });
    });

    it('writes lead.updated for a PATCH', async () => {
      const { id } = await newLead('To update');
      expect(await eventsOf(() => as(acme).patch(`/leads/${id}`, { company: 'Acme' }).expect(200))).toEqual([
        ['lead.updated', id],
      ]);
    });

    it('writes lead.assigned, visible to the owners before and after', async () => {
      const { id } = await newLead('To assign');
      const events = await eventsOf(() => as(acme).post(`/leads/${id}/assign`, { ownerId: managerId }).expect(200));
      expect(events).toEqual([['lead.assigned', id]]);
      const [row] = await rows(acme, "entity_id = $1 and type = 'lead.assigned'", [id]);
      expect([...row.visible_to].sort()).toEqual([adminId, managerId].sort());
      expect(row.data).toMatchObject({ ownerId: managerId });
    });

    it('writes lead.converted and deal.created for a conversion', async () => {
      const { id } = await newLead('To convert');
      let dealId = '';
      const events = await eventsOf(async () => {
        const res = await as(acme).post(`/leads/${id}/convert`, { amount: '5.00', currency: 'EUR' }).expect(201);
        dealId = res.body.id;
      });
      // One transaction, two records: the order within it is the flush's (inserts first).
      expect(events).toEqual([
        ['deal.created', dealId],
        ['lead.converted', id],
      ]);
    });

    it('carries custom values as the API answers them: money as a decimal string, archived keys hidden', async () => {
      for (const field of [
        { entity: 'deal', key: 'budget', label: 'Budget', type: 'money' },
        { entity: 'deal', key: 'old_code', label: 'Old code', type: 'text' },
      ])
        await as(acme).post('/custom-fields', field).expect(201);
      const { id } = (
        await as(acme)
          .post('/deals', {
            title: 'With values',
            amount: '10.00',
            currency: 'EUR',
            customFields: { budget: '1250.5', old_code: 'X1' },
          })
          .expect(201)
      ).body as { id: string };
      await as(acme).delete('/custom-fields/deal/old_code').expect(204);
      await as(acme).patch(`/deals/${id}`, { title: 'Renamed' }).expect(200);
      const [created, updated] = await rows(acme, 'entity_id = $1', [id]);
      expect(created.data.customFields).toEqual({ budget: '1250.50', old_code: 'X1' });
      expect(updated.data.customFields).toEqual({ budget: '1250.50' });
    });

    it('writes lead.deleted carrying the last view', async () => {
      const { id } = await newLead('To delete');
      expect(await eventsOf(() => as(acme).delete(`/leads/${id}`).expect(204))).toEqual([['lead.deleted', id]]);
      const [row] = await rows(acme, "entity_id = $1 and type = 'lead.deleted'", [id]);
      expect(row.data).toMatchObject({ id, name: 'To delete' });
    });

    it('writes deal.created, deal.updated, deal.stage_changed and deal.deleted', async () => {
      let id = '';
      expect(await eventsOf(async () => (id = (await newDeal('Deal')).id))).toEqual([['deal.created', id]]);
      expect(await eventsOf(() => as(acme).patch(`/deals/${id}`, { title: 'Deal 2' }).expect(200))).toEqual([
        ['deal.updated', id],
      ]);
      expect(await eventsOf(() => as(acme).patch(`/deals/${id}`, { stage: 'won' }).expect(200))).toEqual([
        ['deal.stage_changed', id],
      ]);
      expect(await eventsOf(() => as(acme).delete(`/deals/${id}`).expect(204))).toEqual([['deal.deleted', id]]);
    });

    it('writes user.created, user.updated and user.deactivated, never a password hash', async () => {
      let id = '';
      const body = { email: 'staff@acme.test', name: 'Staff', role: 'staff', password: 'staff-passphrase' };
      expect(await eventsOf(async () => (id = (await as(acme).post('/users', body).expect(201)).body.id))).toEqual([
        ['user.created', id],
      ]);
      expect(await eventsOf(() => as(acme).patch(`/users/${id}`, { name: 'Staff 2' }).expect(200))).toEqual([
        ['user.updated', id],
      ]);
      expect(await eventsOf(() => as(acme).delete(`/users/${id}`).expect(204))).toEqual([['user.deactivated', id]]);
      const events = await rows(acme, 'entity_id = $1', [id]);
      expect(events.every((e) => e.visible_to.length === 1 && e.visible_to[0] === id)).toBe(true);
      expect(JSON.stringify(events)).not.toMatch(/password|hash|\$argon/i);
    });

    it('signals the commit with the tenant and the last seq', async () => {
      signals.length = 0;
      await newLead('Signalled');
      expect(signals).toEqual([
        { database: acme.dbName, tenant: { slug: acme.slug, id: expect.any(String) }, lastSeq: await head(acme) },
      ]);
    });
  });

  describe('nothing for a rolled-back change', () => {
    it('writes no event and no audit entry for a PATCH refused with 412', async () => {
      const { id } = await newLead('Stale');
      const events = await eventsOf(() =>
        as(acme).patch(`/leads/${id}`, { name: 'Never' }).set('if-match', '"stale"').expect(412),
      );
      expect({ events, audited: await changesAudited(id) }).toEqual({ events: [], audited: [] });
    });

    it('writes no event and no audit entry for a conversion refused by a plan limit', async () => {
      const { id } = await newLead('Over the limit');
      const deals = Number((await t.sql<{ n: string }>('select count(*) as n from deals', [], acme.dbName))[0].n);
      const platform = (method: 'post' | 'put', path: string) =>
        t.http()[method](`/api/v1/platform${path}`).set('authorization', `Bearer ${pt}`);
      await platform('post', '/plans')
        .send({ code: `full-${t.id}`, name: 'Full', limits: { deals }, features: [] })
        .expect(201);
      await platform('put', `/tenants/${acme.slug}/plan`)
        .send({ plan: `full-${t.id}` })
        .expect(200);
      try {
        signals.length = 0;
        const events = await eventsOf(() =>
          as(acme).post(`/leads/${id}/convert`, { amount: '5.00', currency: 'EUR' }).expect(403),
        );
        const audited = await changesAudited(id);
        expect({ events, signals, audited }).toEqual({ events: [], signals: [], audited: [] });
      } finally {
        await platform('put', `/tenants/${acme.slug}/plan`).send({ plan: 'standard' }).expect(200);
      }
    });
  });

  describe('seqs', () => {
    it('gives 50 concurrent creates one event each, seqs gap-free and in commit order', async () => {
      const before = await head(acme);
      const created = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          as(acme)
            .post('/leads', { name: `Burst ${i}` })
            .expect(201),
        ),
      );
      const ids = created.map((res) => res.body.id as string);
      const events = await rows(acme, 'seq > $1', [before]);
      expect(events.map((e) => Number(e.seq))).toEqual(Array.from({ length: 50 }, (_, i) => before + 1 + i));
      expect(events.every((e) => e.type === 'lead.created')).toBe(true);
      expect(events.map((e) => e.entity_id).sort()).toEqual([...ids].sort());
      // The audit chain's seq is taken under its own lock held to COMMIT: the same order is commit order.
      const audited = await t.sql<{ entity_id: string }>(
        `select entity_id from audit_logs where entity = 'lead' and entity_id = any($1::text[]) order by seq`,
        [ids],
        acme.dbName,
      );
      expect(events.map((e) => e.entity_id)).toEqual(audited.map((a) => a.entity_id));
      expect(await head(acme)).toBe(before + 50);
    });

    it('numbers every tenant from 1 without gaps', async () => {
      for (const tenant of [acme, globex]) {
        const seqs = (await rows(tenant)).map((e) => Number(e.seq));
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
        expect(await head(tenant)).toBe(seqs.length);
      }
    });
  });

  describe('tenant isolation', () => {
    it("keeps acme's events out of globex's outbox", async () => {
      await as(globex).post('/leads', { name: 'Globex lead' }).expect(201);
      const acmeIds = new Set((await rows(acme)).map((e) => e.entity_id));
      const globexEvents = await rows(globex);
      expect(globexEvents.map((e) => e.type)).toEqual(['user.created', 'lead.created']);
      expect(globexEvents.filter((e) => acmeIds.has(e.entity_id))).toEqual([]);
    });
  });

  describe('the audit entry and the event share the transaction', () => {
    it('has an audit entry for every lead event, and an event for every lead audit entry', async () => {
      const events = await rows(acme, "entity = 'lead'");
      const audited = await t.sql<{ entity_id: string; n: string }>(
        `select entity_id, count(*) as n from audit_logs where entity = 'lead' and outcome = 'success' group by entity_id`,
        [],
        acme.dbName,
      );
      const perLead = (list: string[]) =>
        Object.fromEntries([...new Set(list)].sort().map((id) => [id, list.filter((x) => x === id).length]));
      expect(perLead(events.map((e) => e.entity_id))).toEqual(
        Object.fromEntries(
          audited.sort((a, b) => a.entity_id.localeCompare(b.entity_id)).map((a) => [a.entity_id, Number(a.n)]),
        ),
      );
    });
  });
});
