import { ValidationException } from '@app/common';
import { TenantContext } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { DEAL_STAGES, DealStage } from '../deals/deal.entity';
import { LEAD_STATUSES, LeadStatus } from '../leads/lead.entity';
import { SalesSummaryQuery } from './sales-summary.query';

/** Amounts per ISO-4217 currency, as decimal strings: `{ "USD": "12500.00" }`. */
export type MoneyByCurrency = Record<string, string>;

export interface SalesSummary {
  from: string | null;
  to: string | null;
  byStage: { stage: DealStage; count: number; amount: MoneyByCurrency }[];
  wonAmount: MoneyByCurrency;
  leadsByStatus: { status: LeadStatus; count: number }[];
  /** Converted leads / leads created in the period (0 when there are none). */
  conversionRate: number;
}

const FAR_PAST = new Date('1970-01-01T00:00:00Z');
const FAR_FUTURE = new Date('9999-01-01T00:00:00Z');

/** Sales figures computed by SQL aggregates in the tenant's database, never by loading rows. */
@Injectable()
export class ReportsService {
  constructor(private readonly tenancy: TenantContext) {}

  async salesSummary(query: SalesSummaryQuery): Promise<SalesSummary> {
    const from = query.from ? new Date(query.from) : FAR_PAST;
    const to = query.to ? new Date(query.to) : FAR_FUTURE;
    if (from >= to) throw new ValidationException([{ field: 'to', message: 'to must be after from' }]);
    const connection = this.tenancy.em.getConnection();
    const [stages, won, statuses] = await Promise.all([
      connection.execute<{ stage: DealStage; currency: string; count: number; amount: string }[]>(
        `select stage, currency, count(*)::int as count, sum(amount)::text as amount
           from deals where created_at >= ? and created_at < ? group by stage, currency`,
        [from, to],
      ),
      connection.execute<{ currency: string; amount: string }[]>(
        `select currency, sum(amount)::text as amount
           from deals where stage = 'won' and closed_at >= ? and closed_at < ? group by currency`,
        [from, to],
      ),
      connection.execute<{ status: LeadStatus; count: number }[]>(
        `select status, count(*)::int as count from leads where created_at >= ? and created_at < ? group by status`,
        [from, to],
      ),
    ]);
    const byStage = DEAL_STAGES.map((stage) => {
      const rows = stages.filter((r) => r.stage === stage);
      return {
        stage,
        count: rows.reduce((n, r) => n + r.count, 0),
        amount: Object.fromEntries(rows.map((r) => [r.currency, r.amount])),
      };
    });
    const leadsByStatus = LEAD_STATUSES.map((status) => ({
      status,
      count: statuses.find((r) => r.status === status)?.count ?? 0,
    }));
    const total = leadsByStatus.reduce((n, r) => n + r.count, 0);
    const converted = leadsByStatus.find((r) => r.status === 'converted')!.count;
    return {
      from: query.from ? from.toISOString() : null,
      to: query.to ? to.toISOString() : null,
      byStage,
      wonAmount: Object.fromEntries(won.map((r) => [r.currency, r.amount])),
      leadsByStatus,
      conversionRate: total ? Math.round((converted / total) * 10_000) / 10_000 : 0,
    };
  }
}
