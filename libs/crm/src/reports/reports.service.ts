import { postgresTimestamp, TimeProperty } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import { ValidationException } from '@app/common';
import { TenantContext } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { DEAL_STAGES, DealStage } from '../deals/deal.entity';
import { LEAD_STATUSES, LeadStatus } from '../leads/lead.entity';
import { SalesSummaryQuery } from './sales-summary.query';

/** Amounts per ISO-4217 currency, as decimal strings: `{ "USD": "12500.00" }`. */
export type MoneyByCurrency = Record<string, string>;

const MONEY_BY_CURRENCY = {
  type: 'object',
  description: 'decimal strings per ISO-4217 currency, e.g. {"USD": "12500.00"}',
  additionalProperties: { type: 'string', pattern: '^\\d+\\.\\d{2}$' },
  example: { USD: '12500.00' },
} as const;

export class StageFigures {
  @ApiProperty({ enum: DEAL_STAGES, enumName: 'DealStage' })
  stage: DealStage;

  @ApiProperty({ type: 'integer', minimum: 0 })
  count: number;

  @ApiProperty(MONEY_BY_CURRENCY)
  amount: MoneyByCurrency;
}

export class StatusCount {
  @ApiProperty({ enum: LEAD_STATUSES, enumName: 'LeadStatus' })
  status: LeadStatus;

  @ApiProperty({ type: 'integer', minimum: 0 })
  count: number;
}

/** Sales figures of a period (deals by creation, won amounts by closing, leads by creation). */
export class SalesSummary {
  @TimeProperty({ nullable: true, description: 'the start asked for (inclusive), or null' })
  from: string | null;

  @TimeProperty({ nullable: true, description: 'the end asked for (exclusive), or null' })
  to: string | null;

  @ApiProperty({ type: [StageFigures], description: 'deals created in the period, per stage' })
  byStage: StageFigures[];

  @ApiProperty({ ...MONEY_BY_CURRENCY, description: 'deals won in the period, per currency' })
  wonAmount: MoneyByCurrency;

  @ApiProperty({ type: [StatusCount], description: 'leads created in the period, per status' })
  leadsByStatus: StatusCount[];

  @ApiProperty({ minimum: 0, maximum: 1, description: 'converted leads / leads created in the period (0 when none)' })
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
    // The ORM inlines a Date as toISOString(): year 0000 for an instant in 1 BC, which PostgreSQL refuses.
    const range = [postgresTimestamp(from), postgresTimestamp(to)];
    const connection = this.tenancy.em.getConnection();
    const [stages, won, statuses] = await Promise.all([
      connection.execute<{ stage: DealStage; currency: string; count: number; amount: string }[]>(
        `select stage, currency, count(*)::int as count, sum(amount)::text as amount
           from deals where created_at >= ? and created_at < ? group by stage, currency`,
        range,
      ),
      connection.execute<{ currency: string; amount: string }[]>(
        `select currency, sum(amount)::text as amount
           from deals where stage = 'won' and closed_at >= ? and closed_at < ? group by currency`,
        range,
      ),
      connection.execute<{ status: LeadStatus; count: number }[]>(
        `select status, count(*)::int as count from leads where created_at >= ? and created_at < ? group by status`,
        range,
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
