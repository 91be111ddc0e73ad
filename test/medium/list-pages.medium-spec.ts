import { escapeLike, parseSort, type Page } from '@app/common';
import { Deal, Lead } from '@app/crm';
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { toDealView, type DealView } from '../../libs/crm/src/deals/deal.entity';
import { DealsService } from '../../libs/crm/src/deals/deals.service';
import { DEAL_SORT_FIELDS, ListDealsQuery } from '../../libs/crm/src/deals/dto/list-deals.query';
import { LEAD_SORT_FIELDS, ListLeadsQuery } from '../../libs/crm/src/leads/dto/list-leads.query';
import { toLeadView, type LeadView } from '../../libs/crm/src/leads/lead.entity';
import { LeadsService } from '../../libs/crm/src/leads/leads.service';
import { MediumApp, MediumTenant, MediumUser } from '../support/medium-app';

/**
 * Lists read their pages with cached SQL per shape, straight on the driver. The reference here is
 * the ORM's own query (MikroORM `find` + `count` with the same filters, order and window, hydrated
 * and turned into views): every shape must give the same rows, in the same order, with the same
 * total, on two tenants with data made to trip a careless translation (ties, nulls, LIKE
 * wildcards in names, microsecond times, amounts that sort differently as text).
 */

/** A small deterministic generator, so a failing combination can be run again. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

const SEARCHES = [undefined, 'acme', 'ACME', '%', '_', '\\', "o'c", 'zzz-nothing'];
const WINDOWS = [
  { page: 1, limit: 5 },
  { page: 2, limit: 5 },
  { page: 1, limit: 100 },
  { page: 7, limit: 7 },
  { page: 100, limit: 5 },
];
const MID = '2026-03-01T00:00:00.000Z';

interface Caller {
  user: MediumUser;
  scope?: string;
}

function ormWhere<T>(filters: Record<string, unknown>, caller: Caller, ownerId?: string, updatedSince?: string) {
  const where: Record<string, unknown> = { ...filters };
  const owner = caller.scope ?? ownerId;
  if (owner) where.ownerId = owner;
  if (updatedSince) where.updatedAt = { $gte: new Date(updatedSince) };
  return where as FilterQuery<T>;
}

async function ormPage<T extends object, V>(
  em: EntityManager,
  entity: new () => T,
  where: FilterQuery<T>,
  sort: string | undefined,
  window: { page: number; limit: number },
  view: (row: T) => V,
): Promise<Page<V>> {
  const { field, direction } = parseSort(sort, { field: 'createdAt', direction: 'desc' });
  const [rows, total] = await Promise.all([
    em.find(entity, where, {
      orderBy: [{ [field]: direction }, { id: direction }] as never,
      limit: window.limit,
      offset: (window.page - 1) * window.limit,
    }),
    em.count(entity, where),
  ]);
  em.clear();
  return { data: rows.map(view), meta: { page: window.page, limit: window.limit, total } };
}

describe('List pages against the ORM (two tenants with data)', () => {
  let medium: MediumApp;
  let leads: LeadsService;
  let deals: DealsService;
  const tenants: { tenant: MediumTenant; callers: Caller[]; owners: string[] }[] = [];

  beforeAll(async () => {
    medium = await MediumApp.start();
    leads = medium.get(LeadsService);
    deals = medium.get(DealsService);
    for (const [index, name] of ['acme', 'globex'].entries()) {
      const tenant = await medium.newTenant(name);
      const [staff, otherStaff, manager] = await Promise.all([
        tenant.newUser('staff'),
        tenant.newUser('staff'),
        tenant.newUser('manager'),
      ]);
      const owners = [staff.id, otherStaff.id, manager.id];
      await tenant.run((em) => seed(em, owners, index));
      tenants.push({
        tenant,
        owners,
        callers: [{ user: tenant.admin }, { user: manager }, { user: staff, scope: staff.id }],
      });
    }
  });
  afterAll(() => medium?.stop());

  /** Rows both tenants hold, differing per tenant; times with microseconds, names with LIKE's wildcards. */
  async function seed(em: EntityManager, owners: string[], tenantIndex: number): Promise<void> {
    const connection = em.getConnection();
    await connection.execute(
      `insert into leads (id, name, email, company, source, status, owner_id, created_at, updated_at)
       select gen_random_uuid(),
              (array['Acme lead', 'acme 100%', 'under_score', 'back\\slash', 'O''Connor', 'Zed', 'acme lead'])[1 + i % 7],
              case when i % 3 = 0 then null else 'p' || i || '@acme.test' end,
              case when i % 4 = 0 then null else (array['Acme', 'Globex', 'Initech'])[1 + i % 3] end,
              case when i % 5 = 0 then null else 'web' end,
              (array['new', 'contacted', 'qualified', 'lost', 'converted'])[1 + i % 5],
              (array[?::uuid, ?::uuid, ?::uuid])[1 + i % 3],
              timestamptz '2026-01-01 00:00:00.123789+00' + ((i / 3) || ' days')::interval + (i % 2) * interval '0.0004 s',
              timestamptz '2026-02-15 00:00:00.999999+00' + ((i % 30) || ' days')::interval
       from generate_series(1, ${60 + tenantIndex * 7}) i`,
      owners,
    );
    await connection.execute(
      `insert into deals (id, title, amount, currency, stage, lead_id, owner_id, expected_close_date, closed_at, created_at, updated_at)
       select gen_random_uuid(),
              (array['Acme renewal', 'acme 50%', 'big_deal', 'Zeta', 'Acme renewal'])[1 + i % 5],
              (array[9, 10, 100.5, 2, 99999999.99, 10])[1 + i % 6],
              (array['USD', 'EUR'])[1 + i % 2],
              s.stage,
              null,
              (array[?::uuid, ?::uuid, ?::uuid])[1 + i % 3],
              case when i % 4 = 0 then null else date '2026-06-01' + (i % 9) end,
              case when s.stage in ('won', 'lost') then timestamptz '2026-05-01 10:00:00.000500+00' + (i || ' hours')::interval end,
              timestamptz '2026-01-01 00:00:00.555555+00' + ((i / 2) || ' days')::interval,
              timestamptz '2026-02-20 00:00:00.000001+00' + ((i % 20) || ' days')::interval
       from generate_series(1, ${40 + tenantIndex * 5}) i,
            lateral (select (array['prospecting', 'proposal', 'negotiation', 'won', 'lost'])[1 + i % 5] as stage) s`,
      owners,
    );
    // A few deals made from leads, so leadId filters find something.
    await connection.execute(
      `update deals set lead_id = l.id
       from (select id, row_number() over (order by id) n from leads) l,
            (select id, row_number() over (order by id) n from deals) d
       where deals.id = d.id and d.n = l.n and d.n <= 5`,
    );
  }

  function leadQueries(owners: string[]): ListLeadsQuery[] {
    const out: ListLeadsQuery[] = [];
    const add = (fields: Partial<ListLeadsQuery>) => out.push(Object.assign(new ListLeadsQuery(), fields));
    // Every sort, both directions, every page window, no filter.
    for (const field of LEAD_SORT_FIELDS)
      for (const sort of [field, `-${field}`] as const) for (const window of WINDOWS) add({ sort, ...window });
    // Every filter combination, on the default order.
    for (const status of [undefined, 'new', 'lost', 'converted'] as const)
      for (const q of SEARCHES)
        for (const ownerId of [undefined, owners[0], owners[2]])
          for (const updatedSince of [undefined, MID]) add({ status, q, ownerId, updatedSince, page: 1, limit: 10 });
    // A deterministic sample of everything at once.
    const random = seeded(13);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
    for (let i = 0; i < 80; i++) {
      const field = pick(LEAD_SORT_FIELDS);
      add({
        sort: random() < 0.5 ? field : `-${field}`,
        status: pick([undefined, 'new', 'qualified'] as const),
        q: pick(SEARCHES),
        ownerId: pick([undefined, ...owners]),
        updatedSince: pick([undefined, MID, '2026-02-20T00:00:00.999Z']),
        ...pick(WINDOWS),
      });
    }
    return out;
  }

  function dealQueries(owners: string[], leadIds: string[]): ListDealsQuery[] {
    const out: ListDealsQuery[] = [];
    const add = (fields: Partial<ListDealsQuery>) => out.push(Object.assign(new ListDealsQuery(), fields));
    for (const field of DEAL_SORT_FIELDS)
      for (const sort of [field, `-${field}`] as const) for (const window of WINDOWS) add({ sort, ...window });
    for (const stage of [undefined, 'won', 'prospecting'] as const)
      for (const q of SEARCHES)
        for (const currency of [undefined, 'EUR'])
          for (const ownerId of [undefined, owners[1]]) add({ stage, q, currency, ownerId, page: 1, limit: 10 });
    const random = seeded(29);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
    for (let i = 0; i < 80; i++) {
      const field = pick(DEAL_SORT_FIELDS);
      add({
        sort: random() < 0.5 ? field : `-${field}`,
        stage: pick([undefined, 'won', 'lost'] as const),
        q: pick(SEARCHES),
        currency: pick([undefined, 'USD']),
        leadId: pick([undefined, undefined, ...leadIds.slice(0, 2)]),
        ownerId: pick([undefined, ...owners]),
        updatedSince: pick([undefined, '2026-03-01T12:00:00.000Z']),
        ...pick(WINDOWS),
      });
    }
    return out;
  }

  it('answers every filter, sort and page of leads with the rows, order and total of the ORM query', async () => {
    let compared = 0;
    for (const { tenant, callers, owners } of tenants) {
      for (const query of leadQueries(owners)) {
        for (const caller of callers) {
          const [page, reference] = await tenant.run(async (em) => [
            await leads.list(caller.user.principal, query),
            await ormPage(
              em,
              Lead,
              ormWhere<Lead>(
                {
                  ...(query.status && { status: query.status }),
                  ...(query.q && {
                    $or: ['name', 'email', 'company'].map((f) => ({ [f]: { $ilike: `%${escapeLike(query.q!)}%` } })),
                  }),
                },
                caller,
                query.ownerId,
                query.updatedSince,
              ),
              query.sort,
              query,
              (lead) => toLeadView(lead, []),
            ),
          ]);
          const expected: Page<LeadView> =
            caller.scope && query.ownerId && query.ownerId !== caller.scope
              ? { data: [], meta: { page: query.page, limit: query.limit, total: 0 } }
              : reference;
          expect({ query, role: caller.user.role, page }).toEqual({ query, role: caller.user.role, page: expected });
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('answers every filter, sort and page of deals with the rows, order and total of the ORM query', async () => {
    let compared = 0;
    for (const { tenant, callers, owners } of tenants) {
      const leadIds = await tenant.run(async (em) =>
        (await em.find(Deal, { leadId: { $ne: null } }, { orderBy: { id: 'asc' } })).map((d) => d.leadId!),
      );
      expect(leadIds.length).toBeGreaterThan(0);
      for (const query of dealQueries(owners, leadIds)) {
        for (const caller of callers) {
          const [page, reference] = await tenant.run(async (em) => [
            await deals.list(caller.user.principal, query),
            await ormPage(
              em,
              Deal,
              ormWhere<Deal>(
                {
                  ...(query.stage && { stage: query.stage }),
                  ...(query.leadId && { leadId: query.leadId }),
                  ...(query.currency && { currency: query.currency }),
                  ...(query.q && { title: { $ilike: `%${escapeLike(query.q)}%` } }),
                },
                caller,
                query.ownerId,
                query.updatedSince,
              ),
              query.sort,
              query,
              (deal) => toDealView(deal, []),
            ),
          ]);
          const expected: Page<DealView> =
            caller.scope && query.ownerId && query.ownerId !== caller.scope
              ? { data: [], meta: { page: query.page, limit: query.limit, total: 0 } }
              : reference;
          expect({ query, role: caller.user.role, page }).toEqual({ query, role: caller.user.role, page: expected });
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(700);
  });

  it("keeps each tenant's pages to its own rows", async () => {
    const [acme, globex] = tenants;
    const list = (t: (typeof tenants)[number]) =>
      t.tenant.run(() => leads.list(t.tenant.admin.principal, Object.assign(new ListLeadsQuery(), { limit: 100 })));
    const [a, g] = await Promise.all([list(acme), list(globex)]);
    expect(a.meta.total).toBe(60);
    expect(g.meta.total).toBe(67);
    const aIds = new Set(a.data.map((l) => l.id));
    expect(g.data.some((l) => aIds.has(l.id))).toBe(false);
  });

  it('says the total on a page past the end, which has no rows', async () => {
    const { tenant } = tenants[0];
    const page = await tenant.run(() =>
      leads.list(tenant.admin.principal, Object.assign(new ListLeadsQuery(), { page: 50, limit: 20, status: 'new' })),
    );
    expect(page).toEqual({ data: [], meta: { page: 50, limit: 20, total: 12 } });
  });

  it('reads an updatedSince that falls in 1 BC in UTC (year 1 with an offset) as that instant', async () => {
    const { tenant } = tenants[0];
    const page = await tenant.run(() =>
      leads.list(
        tenant.admin.principal,
        Object.assign(new ListLeadsQuery(), { updatedSince: '0001-01-01T00:00:00+23:59', limit: 1 }),
      ),
    );
    expect(page.meta.total).toBe(60);
  });

  it('matches hostile search text literally, as a value that never becomes SQL', async () => {
    const { tenant } = tenants[0];
    for (const q of ["'; drop table leads; --", '$1', '?', '%_\\', "' or 1=1 --"]) {
      const page = await tenant.run(() =>
        leads.list(tenant.admin.principal, Object.assign(new ListLeadsQuery(), { q, limit: 100 })),
      );
      expect(page).toEqual({ data: [], meta: { page: 1, limit: 100, total: 0 } });
    }
    const total = await tenant.run(async (em) => em.count(Lead, {}));
    expect(total).toBe(60);
  });

  it('serves forty pages read at once on two tenants, each its own, and hands every connection back', async () => {
    const reads = Array.from({ length: 40 }, (_, i) => {
      const t = tenants[i % 2];
      const query = Object.assign(new ListLeadsQuery(), {
        page: 1 + (i % 4),
        limit: 5,
        sort: i % 3 ? '-name' : 'createdAt',
      });
      return t.tenant.run(() => leads.list(t.tenant.admin.principal, query)).then((page) => ({ i, page }));
    });
    const pages = await Promise.all(reads);
    for (const { i, page } of pages) expect(page.meta.total).toBe(i % 2 ? 67 : 60);
    // Every connection went back: a read on each tenant still gets one, and the pools hold none in use.
    for (const { tenant } of tenants) {
      const used = await tenant.run(async (em) => {
        const pool = (em.getConnection().getKnex().client as unknown as { pool: { numUsed(): number } }).pool;
        await leads.list(tenant.admin.principal, Object.assign(new ListLeadsQuery(), { limit: 1 }));
        return pool.numUsed();
      });
      expect(used).toBe(0);
    }
  });
});
