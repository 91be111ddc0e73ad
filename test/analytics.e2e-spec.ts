import { HISTORY_BACKFILL, LeadScoreSchedule, LeadScoreService } from '@app/crm';
import { JobQueue } from '@app/jobs';
import { TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import { parsePostgresUrl, withClient } from '@app/catalog';
import { randomUUID } from 'node:crypto';
import { migrateSchema, withScratchDatabase } from '../apps/schema/schema-drift';

import { TestApp, TestTenant } from './support/test-app';

/**
 * Analytics and the lead score, two (three) tenants on one app:
 * - acme holds a small hand-written history (below); every expected figure is written as a literal,
 *   derived by hand in the comments;
 * - globex holds one deal in the same months (never in acme's figures) and 400 leads with random labels;
 * - initech holds 300 leads with a planted signal (source referral converts, ads is lost).
 */

// acme's history. Deals (id: owner, amount, currency; entries at 00:00 UTC of the day):
//   D1 O1 100.00 EUR: 01-05 prospecting, 01-20 proposal, 02-10 won            (lead L1, source referral)
//   D2 O1 200.00 EUR: 01-10 prospecting, 02-05 proposal, 03-05 lost           (lead L2, source ads)
//   D3 O2 300.00 USD: 01-15 prospecting, 02-15 negotiation with amount 350.00 (no lead)
//   D4 O2 400.00 EUR: 02-01 prospecting, 02-20 won                            (no lead)
//   D5 O1  50.00 EUR: 02-03 prospecting, deleted 02-25
//   D6 O2 500.00 EUR: 03-02 created in proposal
// Leads (entries):
//   L1: 01-02 new, 01-04 contacted, 01-10 qualified, 01-20 converted
//   L2: 01-05 new, 01-06 contacted, 01-26 converted
//   L3: 01-10 new, 01-11 contacted, 01-21 qualified, 02-01 lost
//   L4: 02-01 new
//   L5: 02-10 created qualified, 02-20 converted
//   L6: 03-15 new, 03-20 contacted, deleted 03-25
//   L7: 2025-12-20 new, 01-05 contacted  (created before the period)
//   L8: 03-30 new, 04-02 contacted       (contacted after the period)
const DEALS = {
  D1: { owner: 'O1', amount: '100.00', currency: 'EUR', lead: 'L1', stage: 'won', closed: '2026-02-10' },
  D2: { owner: 'O1', amount: '200.00', currency: 'EUR', lead: 'L2', stage: 'lost', closed: '2026-03-05' },
  D3: { owner: 'O2', amount: '350.00', currency: 'USD', lead: null, stage: 'negotiation', closed: null },
  D4: { owner: 'O2', amount: '400.00', currency: 'EUR', lead: null, stage: 'won', closed: '2026-02-20' },
  D6: { owner: 'O2', amount: '500.00', currency: 'EUR', lead: null, stage: 'proposal', closed: null },
} as const;
const DEAL_HISTORY: [string, string | null, string | null, string, string, string][] = [
  // deal, from, to, amount, currency, day
  ['D1', null, 'prospecting', '100.00', 'EUR', '2026-01-05'],
  ['D1', 'prospecting', 'proposal', '100.00', 'EUR', '2026-01-20'],
  ['D1', 'proposal', 'won', '100.00', 'EUR', '2026-02-10'],
  ['D2', null, 'prospecting', '200.00', 'EUR', '2026-01-10'],
  ['D2', 'prospecting', 'proposal', '200.00', 'EUR', '2026-02-05'],
  ['D2', 'proposal', 'lost', '200.00', 'EUR', '2026-03-05'],
  ['D3', null, 'prospecting', '300.00', 'USD', '2026-01-15'],
  ['D3', 'prospecting', 'negotiation', '350.00', 'USD', '2026-02-15'],
  ['D4', null, 'prospecting', '400.00', 'EUR', '2026-02-01'],
  ['D4', 'prospecting', 'won', '400.00', 'EUR', '2026-02-20'],
  ['D5', null, 'prospecting', '50.00', 'EUR', '2026-02-03'],
  ['D5', 'prospecting', null, '50.00', 'EUR', '2026-02-25'],
  ['D6', null, 'proposal', '500.00', 'EUR', '2026-03-02'],
];
const LEADS = {
  L1: { status: 'converted', source: 'referral' },
  L2: { status: 'converted', source: 'ads' },
  L3: { status: 'lost', source: null },
  L4: { status: 'new', source: 'ads' },
  L5: { status: 'converted', source: null },
  L7: { status: 'contacted', source: null },
  L8: { status: 'contacted', source: null },
} as const;
const LEAD_HISTORY: [string, string | null, string | null, string][] = [
  ['L1', null, 'new', '2026-01-02'],
  ['L1', 'new', 'contacted', '2026-01-04'],
  ['L1', 'contacted', 'qualified', '2026-01-10'],
  ['L1', 'qualified', 'converted', '2026-01-20'],
  ['L2', null, 'new', '2026-01-05'],
  ['L2', 'new', 'contacted', '2026-01-06'],
  ['L2', 'contacted', 'converted', '2026-01-26'],
  ['L3', null, 'new', '2026-01-10'],
  ['L3', 'new', 'contacted', '2026-01-11'],
  ['L3', 'contacted', 'qualified', '2026-01-21'],
  ['L3', 'qualified', 'lost', '2026-02-01'],
  ['L4', null, 'new', '2026-02-01'],
  ['L5', null, 'qualified', '2026-02-10'],
  ['L5', 'qualified', 'converted', '2026-02-20'],
  ['L6', null, 'new', '2026-03-15'],
  ['L6', 'new', 'contacted', '2026-03-20'],
  ['L6', 'contacted', null, '2026-03-25'],
  ['L7', null, 'new', '2025-12-20'],
  ['L7', 'new', 'contacted', '2026-01-05'],
  ['L8', null, 'new', '2026-03-30'],
  ['L8', 'new', 'contacted', '2026-04-02'],
];

const PERIOD = 'from=2026-01-01&to=2026-04-01';
const lit = (value: string | null) => (value === null ? 'null' : `'${value}'`);

describe('analytics (two tenants)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let initech: TestTenant;
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  const as = (tenant: TestTenant, token = tenant.token) => t.as(token, tenant.slug);
  const sql = <T = Record<string, unknown>>(tenant: TestTenant, text: string, params: unknown[] = []) =>
    t.sql<T>(text, params, tenant.dbName);

  async function user(tenant: TestTenant, role: string): Promise<{ id: string; token: string }> {
    const email = `${role}-${randomUUID().slice(0, 6)}@${tenant.slug}.test`;
    const password = `${role}-passphrase-long`;
    const created = await as(tenant).post('/users', { email, name: role, password, role }).expect(201);
    const login = await t.http().post('/api/v1/auth/login').set('x-tenant-id', tenant.slug).send({ email, password });
    return { id: created.body.id, token: login.body.accessToken };
  }

  /** acme's hand-written history: records as they are now, and their history replaced by the entries above. */
  async function seedAcme(owners: Record<string, string>): Promise<void> {
    for (const name of [...Object.keys(LEADS), 'L6', ...Object.keys(DEALS), 'D5']) ids[name] = randomUUID();
    const leads = Object.entries(LEADS).map(
      ([name, l]) =>
        `('${ids[name]}', '${name}', ${lit(l.source)}, '${l.status}', '${owners.O1}', '2026-01-01', '2026-01-01')`,
    );
    const deals = Object.entries(DEALS).map(
      ([name, d]) =>
        `('${ids[name]}', '${name}', ${d.amount}, '${d.currency}', '${d.stage}', ${d.lead ? `'${ids[d.lead]}'` : 'null'}, '${owners[d.owner]}', ${lit(d.closed)}, '2026-01-01', '2026-01-01')`,
    );
    const dealOwner = (name: string) => owners[name === 'D5' ? 'O1' : DEALS[name as keyof typeof DEALS].owner];
    const dealEntries = DEAL_HISTORY.map(
      ([name, from, to, amount, currency, day]) =>
        `('${ids[name]}', ${lit(from)}, ${lit(to)}, ${amount}, '${currency}', '${dealOwner(name)}', '${day}T00:00:00Z')`,
    );
    const leadEntries = LEAD_HISTORY.map(
      ([name, from, to, day]) => `('${ids[name]}', ${lit(from)}, ${lit(to)}, '${owners.O1}', '${day}T00:00:00Z')`,
    );
    await sql(
      acme,
      `begin;
       insert into leads (id, name, source, status, owner_id, created_at, updated_at) values ${leads.join(', ')};
       insert into deals (id, title, amount, currency, stage, lead_id, owner_id, closed_at, created_at, updated_at)
         values ${deals.join(', ')};
       delete from lead_status_history; delete from deal_stage_history;
       insert into deal_stage_history (deal_id, from_stage, to_stage, amount, currency, owner_id, at) values ${dealEntries.join(', ')};
       insert into lead_status_history (lead_id, from_status, to_status, owner_id, at) values ${leadEntries.join(', ')};
       commit;`,
    );
  }

  /** `count` labelled leads; `converted(i)` and `source(i)` are SQL expressions of i. */
  async function seedLabelled(tenant: TestTenant, count: number, converted: string, source: string): Promise<void> {
    const [{ id: owner }] = await sql<{ id: string }>(tenant, `select id from users order by created_at limit 1`);
    await sql(
      tenant,
      `insert into leads (id, name, email, phone, source, status, owner_id)
       select gen_random_uuid(), 'Lead ' || i,
              case when i % 3 = 0 then 'l' || i || '@gmail.com' when i % 3 = 1 then 'l' || i || '@corp' || i || '.test' end,
              case when i % 5 < 2 then '+1 555 ' || i end,
              ${source}, case when ${converted} then 'converted' else 'lost' end, $1
         from generate_series(1, ${count}) i`,
      [owner],
    );
  }

  async function models(tenant: TestTenant): Promise<{ version: number; samples: number; auc: number }[]> {
    return sql(tenant, 'select version, samples, auc from lead_score_models order by version');
  }

  async function trainedModel(tenant: TestTenant, version: number) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = (await models(tenant)).find((m) => m.version === version);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no model v${version} in ${tenant.slug}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function settled(): Promise<void> {
    const jobs = t.app.get(JobQueue);
    for (;;) {
      const { analytics } = await jobs.counts();
      if (!analytics.waiting && !analytics.active && !analytics.delayed) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    t = await TestApp.start();
    const pt = await t.platformToken();
    [acme, globex, initech] = await Promise.all([
      t.createTenant('acme', pt),
      t.createTenant('globex', pt),
      t.createTenant('initech', pt),
    ]);
    const [manager, staff, second] = await Promise.all([
      user(acme, 'manager'),
      user(acme, 'staff'),
      user(acme, 'manager'),
    ]);
    tokens.manager = manager.token;
    tokens.staff = staff.token;
    await seedAcme({ O1: manager.id, O2: second.id });
    ids.O1 = manager.id;
    ids.O2 = second.id;
    // globex: one deal won in February (never in acme's figures), 400 leads with labels from a hash.
    await as(globex).post('/deals', { title: 'G', amount: '7777.00', currency: 'GBP' }).expect(201);
    await sql(globex, `update deal_stage_history set at = '2026-02-14T00:00:00Z'`);
    await seedLabelled(
      globex,
      400,
      `hashtext('label' || i) % 2 = 0`,
      `(array['web','ads','fair','mail'])[1 + abs(hashtext('s' || i)) % 4]`,
    );
    // initech: referral converts 17 times in 20, ads 3 times in 20.
    await seedLabelled(
      initech,
      300,
      `(i % 2 = 0) = (i % 20 < 17)`,
      `case when i % 2 = 0 then 'referral' else 'ads' end`,
    );
  }, 60_000);
  afterAll(() => t?.stop());

  describe('history written by triggers', () => {
    it('records a lead insert and each status change in the same transaction, oldest first', async () => {
      const lead = await as(globex).post('/leads', { name: 'History' }).expect(201);
      await as(globex).patch(`/leads/${lead.body.id}`, { status: 'contacted' }).expect(200);
      await as(globex).patch(`/leads/${lead.body.id}`, { name: 'Renamed' }).expect(200);
      const rows = await sql(
        globex,
        'select from_status, to_status from lead_status_history where lead_id = $1 order by id',
        [lead.body.id],
      );
      expect(rows).toEqual([
        { from_status: null, to_status: 'new' },
        { from_status: 'new', to_status: 'contacted' },
      ]);
    });

    it('writes no entry for a change that rolls back', async () => {
      const lead = await as(globex).post('/leads', { name: 'Rolled back' }).expect(201);
      await sql(globex, `begin; update leads set status = 'contacted' where id = '${lead.body.id}'; rollback;`);
      const [{ count }] = await sql<{ count: number }>(
        globex,
        'select count(*)::int as count from lead_status_history where lead_id = $1',
        [lead.body.id],
      );
      expect(count).toBe(1);
    });

    it('records deal stage and amount changes with the amount after them, and keeps the history of a deleted deal', async () => {
      const deal = await as(globex).post('/deals', { title: 'H', amount: '10.00', currency: 'EUR' }).expect(201);
      await as(globex).patch(`/deals/${deal.body.id}`, { stage: 'proposal', amount: '12.50' }).expect(200);
      await as(globex).delete(`/deals/${deal.body.id}`).expect(204);
      const rows = await sql(
        globex,
        'select from_stage, to_stage, amount::text from deal_stage_history where deal_id = $1 order by id',
        [deal.body.id],
      );
      expect(rows).toEqual([
        { from_stage: null, to_stage: 'prospecting', amount: '10.00' },
        { from_stage: 'prospecting', to_stage: 'proposal', amount: '12.50' },
        { from_stage: 'proposal', to_stage: null, amount: '12.50' },
      ]);
    });

    it('backfills records that predate the history: their creation, then their current state', async () => {
      const rows = await withScratchDatabase(t.adminUrl, 'backfill', async (url) => {
        await migrateSchema('tenant', url);
        return withClient(parsePostgresUrl(url), async (client) => {
          const owner = randomUUID();
          // Records as they were before the history existed: written with the triggers off.
          await client.query(`set session_replication_role = replica`);
          await client.query(
            `insert into leads (id, name, status, owner_id, created_at, updated_at) values
               ('00000000-0000-4000-8000-000000000001', 'qualified', 'qualified', $1, '2026-01-01', '2026-01-05'),
               ('00000000-0000-4000-8000-000000000002', 'untouched', 'new', $1, '2026-01-02', '2026-01-02')`,
            [owner],
          );
          await client.query(
            `insert into deals (id, title, amount, currency, stage, owner_id, closed_at, created_at, updated_at) values
               ('00000000-0000-4000-8000-000000000003', 'won', 10, 'EUR', 'won', $1, '2026-01-20', '2026-01-01', '2026-01-25')`,
            [owner],
          );
          await client.query(`set session_replication_role = origin`);
          for (const statement of HISTORY_BACKFILL) await client.query(statement);
          const leads = await client.query(
            `select right(lead_id::text, 1) as lead, from_status, to_status, to_char(at at time zone 'UTC', 'MM-DD') as day
               from lead_status_history order by lead_id, id`,
          );
          const deals = await client.query(
            `select from_stage, to_stage, amount::text, to_char(at at time zone 'UTC', 'MM-DD') as day
               from deal_stage_history order by id`,
          );
          return { leads: leads.rows, deals: deals.rows };
        });
      });
      expect(rows).toEqual({
        leads: [
          { lead: '1', from_status: null, to_status: 'new', day: '01-01' },
          { lead: '1', from_status: 'new', to_status: 'qualified', day: '01-05' },
          { lead: '2', from_status: null, to_status: 'new', day: '01-02' },
        ],
        // A closed deal's change is dated by closed_at, not by its later update.
        deals: [
          { from_stage: null, to_stage: 'prospecting', amount: '10.00', day: '01-01' },
          { from_stage: 'prospecting', to_stage: 'won', amount: '10.00', day: '01-20' },
        ],
      });
    });
  });

  describe('figures of a hand-computed history (acme)', () => {
    it('pipeline: per month, per stage, as it stood at each month end', async () => {
      const res = await as(acme).get(`/analytics/pipeline?${PERIOD}&interval=month`).expect(200);
      const at = (k: number) =>
        Object.fromEntries(
          (res.body.intervals[k].stages as { stage: string; count: number; amount: object }[]).map((s) => [
            s.stage,
            [s.count, s.amount],
          ]),
        );
      expect(res.body.intervals.map((i: { start: string; end: string }) => [i.start, i.end])).toEqual([
        ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
        ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
        ['2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z'],
      ]);
      // Before 02-01: D1 proposal (01-20); D2, D3 prospecting; D4 starts at 02-01 itself (end exclusive).
      expect(at(0)).toEqual({
        prospecting: [2, { EUR: '200.00', USD: '300.00' }],
        proposal: [1, { EUR: '100.00' }],
        negotiation: [0, {}],
        won: [0, {}],
        lost: [0, {}],
      });
      // Before 03-01: D1 won, D2 proposal, D3 negotiation at 350.00, D4 won; D5 deleted on 02-25.
      expect(at(1)).toEqual({
        prospecting: [0, {}],
        proposal: [1, { EUR: '200.00' }],
        negotiation: [1, { USD: '350.00' }],
        won: [2, { EUR: '500.00' }],
        lost: [0, {}],
      });
      // Before 04-01: D2 lost (03-05), D6 in proposal (03-02).
      expect(at(2)).toEqual({
        prospecting: [0, {}],
        proposal: [1, { EUR: '500.00' }],
        negotiation: [1, { USD: '350.00' }],
        won: [2, { EUR: '500.00' }],
        lost: [1, { EUR: '200.00' }],
      });
    });

    it('pipeline: weekly intervals start on Mondays, clipped to the period', async () => {
      // 2026-02-18 is a Wednesday: [02-18, 02-23) then [02-23, 02-25). D4 wins on 02-20.
      const res = await as(acme).get('/analytics/pipeline?from=2026-02-18&to=2026-02-25&interval=week').expect(200);
      expect(res.body.intervals.map((i: { end: string }) => i.end)).toEqual([
        '2026-02-23T00:00:00.000Z',
        '2026-02-25T00:00:00.000Z',
      ]);
      const won = res.body.intervals.map(
        (i: { stages: { stage: string; count: number }[] }) => i.stages.find((s) => s.stage === 'won')!.count,
      );
      expect(won).toEqual([2, 2]);
    });

    it('funnel: cohort of the period, steps reached, conversion between steps and median days', async () => {
      const res = await as(acme).get(`/analytics/funnel?${PERIOD}`).expect(200);
      // Cohort: L1 L2 L3 L4 L5 L6 L8 (7; L7 was created before). Contacted or beyond before 04-01: L1 L2 L3 L5 L6
      // (5; L8 only on 04-02) → 5/7 = 0.7143. Qualified or beyond: L1 L2 (converted) L3 L5 (4) → 4/5 = 0.8.
      // Converted: L1 L2 L5 (3) → 3/4 = 0.75.
      // Days new→contacted: L1 2, L2 1, L3 1, L5 0, L6 5 → median 1. contacted→qualified: L1 6, L2 20, L3 10,
      // L5 0 → median (6 + 10) / 2 = 8. qualified→converted: L1 10, L2 0, L5 10 → median 10.
      // Lost at 04-01: L3 (L6 was deleted).
      expect(res.body.steps).toEqual([
        { status: 'new', count: 7, conversionRate: null, medianDays: null },
        { status: 'contacted', count: 5, conversionRate: 0.7143, medianDays: 1 },
        { status: 'qualified', count: 4, conversionRate: 0.8, medianDays: 8 },
        { status: 'converted', count: 3, conversionRate: 0.75, medianDays: 10 },
      ]);
      expect(res.body.lost).toBe(1);
    });

    it('win rate by owner: deals closed in the period, by count and by amount', async () => {
      const res = await as(acme).get(`/analytics/win-rate?${PERIOD}&groupBy=owner`).expect(200);
      // O1: D1 won 100.00, D2 lost 200.00 → 1/2 = 0.5 by count, 100/300 = 0.3333 by amount. O2: D4 won 400.00.
      const byOwner = Object.fromEntries(res.body.groups.map((g: { key: string }) => [g.key, g]));
      expect(byOwner).toEqual({
        [ids.O1]: {
          key: ids.O1,
          won: 1,
          lost: 1,
          winRate: 0.5,
          wonAmount: { EUR: '100.00' },
          lostAmount: { EUR: '200.00' },
          amountWinRate: { EUR: 0.3333 },
        },
        [ids.O2]: {
          key: ids.O2,
          won: 1,
          lost: 0,
          winRate: 1,
          wonAmount: { EUR: '400.00' },
          lostAmount: { EUR: '0.00' },
          amountWinRate: { EUR: 1 },
        },
      });
    });

    it('win rate by month and by source', async () => {
      const month = await as(acme).get(`/analytics/win-rate?${PERIOD}&groupBy=month`).expect(200);
      // February: D1 and D4 won (500.00); March: D2 lost (200.00).
      expect(
        month.body.groups.map((g: { key: string; won: number; lost: number; winRate: number }) => [
          g.key,
          g.won,
          g.lost,
          g.winRate,
        ]),
      ).toEqual([
        ['2026-02', 2, 0, 1],
        ['2026-03', 0, 1, 0],
      ]);
      const source = await as(acme).get(`/analytics/win-rate?${PERIOD}&groupBy=source`).expect(200);
      // D4 has no lead (none), D2's lead came from ads, D1's from referral.
      expect(source.body.groups.map((g: { key: string; won: number; lost: number }) => [g.key, g.won, g.lost])).toEqual(
        [
          ['(none)', 1, 0],
          ['ads', 0, 1],
          ['referral', 1, 0],
        ],
      );
    });

    it('forecast: open deals × the win rate of deals once in their stage', async () => {
      const res = await as(acme).get('/analytics/forecast').expect(200);
      // Once in prospecting and closed now: D1 won, D2 lost, D4 won → 2/3 = 0.6667; in proposal: D1 won, D2 lost
      // → 0.5; in negotiation: none closed → null (0). Open now: D6 proposal 500.00 EUR → 250.00; D3 negotiation
      // 350.00 USD → 0.00.
      expect(res.body).toEqual({
        stages: [
          {
            stage: 'prospecting',
            count: 0,
            amount: {},
            historicalWon: 2,
            historicalLost: 1,
            winRate: 0.6667,
            expectedAmount: {},
          },
          {
            stage: 'proposal',
            count: 1,
            amount: { EUR: '500.00' },
            historicalWon: 1,
            historicalLost: 1,
            winRate: 0.5,
            expectedAmount: { EUR: '250.00' },
          },
          {
            stage: 'negotiation',
            count: 1,
            amount: { USD: '350.00' },
            historicalWon: 0,
            historicalLost: 0,
            winRate: null,
            expectedAmount: { USD: '0.00' },
          },
        ],
        expectedAmount: { EUR: '250.00', USD: '0.00' },
      });
    });

    it('never counts another tenant: globex sees its own February deal only', async () => {
      const res = await as(globex).get('/analytics/pipeline?from=2026-02-01&to=2026-03-01').expect(200);
      const won = res.body.intervals[0].stages.filter((s: { count: number }) => s.count > 0);
      expect(won).toEqual([{ stage: 'prospecting', count: 1, amount: { GBP: '7777.00' } }]);
    });

    it('keeps past intervals when records are edited, closed, reopened or deleted later', async () => {
      const before = await Promise.all(
        [`pipeline?${PERIOD}`, `funnel?${PERIOD}`, `win-rate?${PERIOD}&groupBy=month`].map(
          async (path) => (await as(acme).get(`/analytics/${path}`).expect(200)).body,
        ),
      );
      await as(acme).patch(`/deals/${ids.D3}`, { stage: 'won', amount: '999.00' }).expect(200);
      await as(acme).patch(`/deals/${ids.D1}`, { stage: 'negotiation' }).expect(200);
      await as(acme).delete(`/deals/${ids.D4}`).expect(204);
      await as(acme).patch(`/leads/${ids.L3}`, { status: 'contacted' }).expect(200);
      await as(acme).delete(`/leads/${ids.L4}`).expect(204);
      const after = await Promise.all(
        [`pipeline?${PERIOD}`, `funnel?${PERIOD}`, `win-rate?${PERIOD}&groupBy=month`].map(
          async (path) => (await as(acme).get(`/analytics/${path}`).expect(200)).body,
        ),
      );
      expect(after).toEqual(before);
    });
  });

  describe('roles and parameters', () => {
    it.each(['pipeline', 'funnel', 'win-rate'])('lets a manager read %s', async (path) => {
      await as(acme, tokens.manager).get(`/analytics/${path}?${PERIOD}`).expect(200);
    });

    it.each([`pipeline?${PERIOD}`, `funnel?${PERIOD}`, `win-rate?${PERIOD}`, 'forecast'])(
      'refuses staff the analytics (%s) with 403',
      async (path) => {
        await as(acme, tokens.staff).get(`/analytics/${path}`).expect(403);
      },
    );

    it('refuses staff a training with 403', async () => {
      await as(acme, tokens.staff).post('/analytics/models/lead-score/train', {}).expect(403);
    });

    it.each([
      ['a missing from', 'funnel?to=2026-04-01', 'from'],
      ['a month 13', 'funnel?from=2026-13-01&to=2027-01-01', 'from'],
      ['an ISO week date', 'funnel?from=2026-W05-1&to=2026-04-01', 'from'],
      ['a NUL in a date', 'funnel?from=2026-01-01%00&to=2026-04-01', 'from'],
      ['a huge year', 'funnel?from=2026-01-01&to=99999999-01-01', 'to'],
      ['a repeated parameter', 'funnel?from=2026-01-01&from=2026-02-01&to=2026-04-01', 'from'],
      ['to before from', 'funnel?from=2026-04-01&to=2026-01-01', 'to'],
      ['to equal to from', 'pipeline?from=2026-04-01&to=2026-04-01', 'to'],
      ['a span over three years', 'pipeline?from=2020-01-01&to=2026-01-01&interval=week', 'to'],
      ['an unknown interval', `pipeline?${PERIOD}&interval=day`, 'interval'],
      ['an unknown grouping', `win-rate?${PERIOD}&groupBy=region`, 'groupBy'],
      ['an unknown parameter', `funnel?${PERIOD}&owner=me`, 'owner'],
      ['any parameter on the forecast', 'forecast?from=2026-01-01', 'from'],
    ])('answers %s with 400 problem+json naming the parameter', async (_what, path, field) => {
      const res = await as(acme).get(`/analytics/${path}`).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });
  });

  describe('lead score', () => {
    it('refuses to train below the minimum sample with 409 insufficient-data', async () => {
      // acme has 4 labelled leads (L1 L2 L5 converted, L3 lost).
      const res = await as(acme).post('/analytics/models/lead-score/train', {}).expect(409);
      expect(res.body.type).toMatch(/\/insufficient-data$/);
    });

    it('answers a score with 409 insufficient-data while the tenant has no model', async () => {
      const res = await as(acme).get(`/leads/${ids.L1}/score`).expect(409);
      expect(res.body.type).toMatch(/\/insufficient-data$/);
    });

    it("learns a planted signal from the tenant's own leads only: AUC at least 0.75, 300 samples", async () => {
      const res = await as(initech).post('/analytics/models/lead-score/train', {}).expect(202);
      expect(res.body).toEqual({ status: 'queued', currentVersion: null });
      const model = await trainedModel(initech, 1);
      expect(model.samples).toBe(300); // globex's 400 labelled leads are not in it
      expect(model.auc).toBeGreaterThanOrEqual(0.75);
    });

    it('finds no signal in random labels: AUC between 0.35 and 0.65', async () => {
      await as(globex).post('/analytics/models/lead-score/train', {}).expect(202);
      const model = await trainedModel(globex, 1);
      expect(model.samples).toBe(400);
      expect(model.auc).toBeGreaterThan(0.35);
      expect(model.auc).toBeLessThan(0.65);
    });

    it('scores a lead with its band, top factors and the model, the planted source first', async () => {
      const [lead] = await sql<{ id: string }>(initech, "select id from leads where source = 'referral' limit 1");
      const res = await as(initech).get(`/leads/${lead.id}/score`).expect(200);
      expect(res.body).toMatchObject({
        band: expect.stringMatching(/^(hot|warm|cold)$/),
        model: { version: 1, samples: 300, trainedAt: expect.any(String) },
      });
      expect(res.body.score).toBeGreaterThan(0.5);
      expect(res.body.factors).toHaveLength(5);
      expect(res.body.factors[0].feature).toMatch(/^source:(referral|ads)$/);
    });

    it("lets staff score their own lead (200) but not another's (404)", async () => {
      const staff = await user(initech, 'staff');
      const own = await as(initech, staff.token).post('/leads', { name: 'Mine', source: 'referral' }).expect(201);
      const [other] = await sql<{ id: string }>(initech, 'select id from leads where owner_id <> $1 limit 1', [
        staff.id,
      ]);
      await as(initech, staff.token).get(`/leads/${own.body.id}/score`).expect(200);
      await as(initech, staff.token).get(`/leads/${other.id}/score`).expect(404);
    });

    it("answers 404 for another tenant's lead", async () => {
      const [lead] = await sql<{ id: string }>(globex, 'select id from leads limit 1');
      await as(initech).get(`/leads/${lead.id}/score`).expect(404);
    });

    it('adds exactly one model version for 10 concurrent train requests', async () => {
      await seedLabelled(initech, 1, 'true', `'referral'`);
      const before = (await models(initech)).length;
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => as(initech).post('/analytics/models/lead-score/train', {})),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
      await trainedModel(initech, before + 1);
      await settled();
      expect((await models(initech)).map((m) => m.version)).toEqual([1, 2]);
    });

    it('trains one at a time in the database: 5 concurrent trainings on new data add one version', async () => {
      await seedLabelled(initech, 1, 'false', `'ads'`);
      const tenant = (await t.app.get(TenantDirectory).find(initech.slug))!;
      const registry = t.app.get(TenantOrmRegistry);
      const service = t.app.get(LeadScoreService);
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => registry.run(tenant, () => service.train())));
      expect(outcomes.filter((o) => o.trained)).toHaveLength(1);
      expect((await models(initech)).map((m) => m.version)).toEqual([1, 2, 3]);
    });

    it('queues a nightly training per active tenant, which adds no version on unchanged data', async () => {
      const queued = await t.app.get(LeadScoreSchedule).queueAll(new Date());
      expect(queued).toBe(3);
      await settled();
      expect([(await models(initech)).length, (await models(globex)).length, (await models(acme)).length]).toEqual([
        3, 1, 0,
      ]);
    });
  });

  describe('plan', () => {
    it('refuses the analytics and the lead score with 403 feature-not-in-plan once the plan lacks analytics', async () => {
      const pt = await t.platformToken();
      await t
        .http()
        .put(`/api/v1/platform/tenants/${globex.slug}/plan`)
        .set('authorization', `Bearer ${pt}`)
        .send({ plan: 'starter' })
        .expect(200);
      const [lead] = await sql<{ id: string }>(globex, 'select id from leads limit 1');
      const answers = await Promise.all([
        as(globex).get('/analytics/forecast'),
        as(globex).get(`/leads/${lead.id}/score`),
        as(globex).post('/analytics/models/lead-score/train', {}),
      ]);
      expect(answers.map((a) => [a.status, a.body.type])).toEqual(
        Array(3).fill([403, expect.stringMatching(/\/feature-not-in-plan$/)]),
      );
    });
  });
});
