import { TenantContext } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { DEAL_STAGES, type DealStage } from '../deals/deal.entity';
import { readRows } from '../read-rows';
import { intervalsOf, periodOf } from './analytics-period';
import type { PipelineQuery, WinRateGroup, WinRateQuery, AnalyticsPeriodQuery } from './analytics.query';
import {
  type ForecastReport,
  FUNNEL_STEPS,
  type FunnelReport,
  type MoneyByCurrency,
  OPEN_STAGES,
  type PipelineReport,
  type WinRateReport,
} from './analytics.views';

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;
const rate = (part: number, whole: number) => (whole ? round(part / whole, 4) : null);

/**
 * Each deal's spans in a stage (an entry holds from its `at` until the deal's next entry), as the
 * range of interval ends it covers — end k (1-based, ascending) counts an entry when at < end_k ≤
 * until — found by binary search (`width_bucket`); then +1/−1 at the first/after the last end it
 * covers, summed in end order: a row per change, which holds until the next row of its stage and
 * currency. Linear in the history whatever the number of intervals.
 */
const PIPELINE_SQL = `
  with spans as (
    select to_stage as stage, currency, amount, width_bucket(at, $1::timestamptz[]) + 1 as k_from,
           coalesce(width_bucket(until, $1::timestamptz[]), $3::int) as k_to
      from (select to_stage, currency, amount, at, lead(at) over (partition by deal_id order by at, id) as until
              from deal_stage_history where at < $2) entries
     where to_stage is not null
  ),
  deltas as (
    select stage, currency, k_from as k, count(*) as n, sum(amount) as a from spans where k_from <= k_to group by 1, 2, 3
    union all
    select stage, currency, k_to + 1, -count(*), -sum(amount) from spans where k_from <= k_to and k_to < $3::int group by 1, 2, 3
  ),
  summed as (
    select stage, currency, k, sum(sum(n)) over w as n, sum(sum(a)) over w as a
      from deltas group by stage, currency, k window w as (partition by stage, currency order by k)
  )
  select k, stage, currency, n::int as count, a::text as amount from summed order by k`;

/** The cohort (leads created in the period) and when each first reached every step, before `to`. */
const FUNNEL_SQL = `
  with cohort as (
    select lead_id, at as t0 from lead_status_history where from_status is null and at >= $1 and at < $2
  ),
  reached as (
    select c.lead_id, c.t0,
           min(h.at) filter (where h.to_status in ('contacted', 'qualified', 'converted')) as t1,
           min(h.at) filter (where h.to_status in ('qualified', 'converted')) as t2,
           min(h.at) filter (where h.to_status = 'converted') as t3,
           (array_agg(h.to_status order by h.at desc, h.id desc))[1] as last_status
      from cohort c join lead_status_history h on h.lead_id = c.lead_id and h.at < $2
     group by c.lead_id, c.t0
  )
  select count(*)::int as n0, count(t1)::int as n1, count(t2)::int as n2, count(t3)::int as n3,
         count(*) filter (where last_status = 'lost')::int as lost,
         percentile_cont(0.5) within group (order by extract(epoch from t1 - t0)) filter (where t1 is not null) as d1,
         percentile_cont(0.5) within group (order by extract(epoch from t2 - t1)) filter (where t2 is not null) as d2,
         percentile_cont(0.5) within group (order by extract(epoch from t3 - t2)) filter (where t3 is not null) as d3
    from reached`;

const WIN_RATE_KEYS: Record<WinRateGroup, string> = {
  owner: 's.owner_id::text',
  source: `coalesce(nullif(l.source, ''), '(none)')`,
  month: `to_char(e.closed_at at time zone 'UTC', 'YYYY-MM')`,
};

/** Deals closed in the period and still closed at `to`: their state at `to`, and when they last closed. */
function winRateSql(groupBy: WinRateGroup): string {
  return `
  with state as (
    select distinct on (deal_id) deal_id, to_stage, amount, currency, owner_id
      from deal_stage_history where at < $2 order by deal_id, at desc, id desc
  ),
  entered as (
    select deal_id, max(at) as closed_at from deal_stage_history
     where at < $2 and to_stage in ('won', 'lost') and from_stage is distinct from to_stage group by deal_id
  )
  select ${WIN_RATE_KEYS[groupBy]} as key, s.currency,
         count(*) filter (where s.to_stage = 'won')::int as won, count(*) filter (where s.to_stage = 'lost')::int as lost,
         coalesce(sum(s.amount) filter (where s.to_stage = 'won'), 0.00)::text as won_amount,
         coalesce(sum(s.amount) filter (where s.to_stage = 'lost'), 0.00)::text as lost_amount
    from state s join entered e on e.deal_id = s.deal_id
    ${groupBy === 'source' ? 'left join deals d on d.id = s.deal_id left join leads l on l.id = d.lead_id' : ''}
   where s.to_stage in ('won', 'lost') and e.closed_at >= $1
   group by 1, 2`;
}

/** Per open stage: closed deals (now) that were once in it, won and lost. */
const HISTORICAL_RATES_SQL = `
  with state as (
    select distinct on (deal_id) deal_id, to_stage from deal_stage_history order by deal_id, at desc, id desc
  ),
  visited as (
    select distinct deal_id, to_stage as stage from deal_stage_history
     where to_stage in ('prospecting', 'proposal', 'negotiation')
  )
  select v.stage, count(*) filter (where s.to_stage = 'won')::int as won, count(*) filter (where s.to_stage = 'lost')::int as lost
    from visited v join state s on s.deal_id = v.deal_id
   where s.to_stage in ('won', 'lost')
   group by v.stage`;

const OPEN_DEALS_SQL = `
  select stage, currency, count(*)::int as count, sum(amount)::text as amount, round(sum(amount) * $1::numeric, 2)::text as expected
    from deals where stage = $2 group by stage, currency`;

/**
 * The analytics of the tenant, computed by SQL in its own database from the stage and status
 * history (written by triggers in the transaction of each change), never by loading records.
 */
@Injectable()
export class AnalyticsService {
  constructor(private readonly tenancy: TenantContext) {}

  async pipeline(query: PipelineQuery): Promise<PipelineReport> {
    const period = periodOf(query);
    const interval = query.interval ?? 'month';
    const intervals = intervalsOf(period, interval);
    const rows = (await readRows(this.tenancy.em, PIPELINE_SQL, [
      intervals.map((i) => i.end.toISOString()),
      period.to.toISOString(),
      intervals.length,
    ])) as { k: number; stage: DealStage; currency: string; count: number; amount: string }[];
    return {
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      interval,
      intervals: intervals.map(({ start, end }, index) => {
        // Per stage and currency, the last running total at or before this end (rows come in k order).
        const latest = new Map<string, (typeof rows)[number]>();
        for (const row of rows) if (row.k <= index + 1) latest.set(`${row.stage}|${row.currency}`, row);
        const here = [...latest.values()].filter((r) => r.count > 0);
        return {
          start: start.toISOString(),
          end: end.toISOString(),
          stages: DEAL_STAGES.map((stage) => {
            const inStage = here.filter((r) => r.stage === stage);
            return {
              stage,
              count: inStage.reduce((n, r) => n + r.count, 0),
              amount: Object.fromEntries(inStage.map((r) => [r.currency, r.amount])),
            };
          }),
        };
      }),
    };
  }

  async funnel(query: AnalyticsPeriodQuery): Promise<FunnelReport> {
    const period = periodOf(query);
    const [row] = (await readRows(this.tenancy.em, FUNNEL_SQL, [
      period.from.toISOString(),
      period.to.toISOString(),
    ])) as { n0: number; n1: number; n2: number; n3: number; lost: number; [d: string]: number | null }[];
    const counts = [row.n0, row.n1, row.n2, row.n3];
    const days = [null, row.d1, row.d2, row.d3].map((seconds) =>
      seconds === null ? null : round(Number(seconds) / 86_400, 2),
    );
    return {
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      steps: FUNNEL_STEPS.map((status, k) => ({
        status,
        count: counts[k],
        conversionRate: k ? rate(counts[k], counts[k - 1]) : null,
        medianDays: k ? days[k] : null,
      })),
      lost: row.lost,
    };
  }

  async winRate(query: WinRateQuery): Promise<WinRateReport> {
    const period = periodOf(query);
    const groupBy = query.groupBy ?? 'owner';
    const rows = (await readRows(this.tenancy.em, winRateSql(groupBy), [
      period.from.toISOString(),
      period.to.toISOString(),
    ])) as { key: string; currency: string; won: number; lost: number; won_amount: string; lost_amount: string }[];
    const keys = [...new Set(rows.map((r) => r.key))].sort();
    return {
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      groupBy,
      groups: keys.map((key) => {
        const mine = rows.filter((r) => r.key === key);
        const won = mine.reduce((n, r) => n + r.won, 0);
        const lost = mine.reduce((n, r) => n + r.lost, 0);
        return {
          key,
          won,
          lost,
          winRate: rate(won, won + lost),
          wonAmount: Object.fromEntries(mine.map((r) => [r.currency, r.won_amount])),
          lostAmount: Object.fromEntries(mine.map((r) => [r.currency, r.lost_amount])),
          amountWinRate: Object.fromEntries(
            mine.map((r) => [
              r.currency,
              rate(Number(r.won_amount), Number(r.won_amount) + Number(r.lost_amount)) ?? 0,
            ]),
          ),
        };
      }),
    };
  }

  async forecast(): Promise<ForecastReport> {
    const em = this.tenancy.em;
    const history = (await readRows(em, HISTORICAL_RATES_SQL, [])) as { stage: string; won: number; lost: number }[];
    const stages = await Promise.all(
      OPEN_STAGES.map(async (stage) => {
        const closed = history.find((h) => h.stage === stage) ?? { won: 0, lost: 0 };
        const winRate = rate(closed.won, closed.won + closed.lost);
        const open = (await readRows(em, OPEN_DEALS_SQL, [String(winRate ?? 0), stage])) as {
          currency: string;
          count: number;
          amount: string;
          expected: string;
        }[];
        return {
          stage,
          count: open.reduce((n, r) => n + r.count, 0),
          amount: Object.fromEntries(open.map((r) => [r.currency, r.amount])),
          historicalWon: closed.won,
          historicalLost: closed.lost,
          winRate,
          expectedAmount: Object.fromEntries(open.map((r) => [r.currency, r.expected])),
        };
      }),
    );
    return { stages, expectedAmount: sumByCurrency(stages.map((s) => s.expectedAmount)) };
  }
}

/** Sums decimal strings per currency in cents (bigint), so no float touches money. */
function sumByCurrency(parts: MoneyByCurrency[]): MoneyByCurrency {
  const cents = new Map<string, bigint>();
  for (const part of parts)
    for (const [currency, amount] of Object.entries(part))
      cents.set(currency, (cents.get(currency) ?? 0n) + BigInt(amount.replace('.', '')));
  return Object.fromEntries(
    [...cents].map(([currency, total]) => [currency, `${total / 100n}.${String(total % 100n).padStart(2, '0')}`]),
  );
}
