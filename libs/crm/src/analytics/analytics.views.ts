import { TimeProperty } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import { DEAL_STAGES, type DealStage } from '../deals/deal.entity';
import { PIPELINE_INTERVALS, type PipelineInterval, WIN_RATE_GROUPS, type WinRateGroup } from './analytics.query';

/** Amounts per ISO-4217 currency, as decimal strings with two decimals: `{ "USD": "12500.00" }`. */
export type MoneyByCurrency = Record<string, string>;
export type RateByCurrency = Record<string, number>;

const MONEY = {
  type: 'object',
  additionalProperties: { type: 'string', pattern: '^\\d+\\.\\d{2}$' },
  example: { USD: '12500.00' },
} as const;

const RATE = {
  type: 'object',
  additionalProperties: { type: 'number', minimum: 0, maximum: 1 },
  example: { USD: 0.625 },
} as const;

const OPEN_STAGES = ['prospecting', 'proposal', 'negotiation'] as const;
export type OpenStage = (typeof OPEN_STAGES)[number];
export const FUNNEL_STEPS = ['new', 'contacted', 'qualified', 'converted'] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];
export { OPEN_STAGES };

export class PipelineStage {
  @ApiProperty({ enum: DEAL_STAGES, enumName: 'DealStage' })
  stage: DealStage;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'deals in the stage at the end of the interval' })
  count: number;

  @ApiProperty({ ...MONEY, description: 'their amounts as they were then, per currency' })
  amount: MoneyByCurrency;
}

export class PipelineIntervalFigures {
  @TimeProperty({ description: 'start of the interval (inclusive)' })
  start: string;

  @TimeProperty({ description: 'end of the interval (exclusive): the pipeline as it stood just before it' })
  end: string;

  @ApiProperty({ type: [PipelineStage], description: 'every stage, in stage order' })
  stages: PipelineStage[];
}

export class PipelineReport {
  @TimeProperty()
  from: string;

  @TimeProperty()
  to: string;

  @ApiProperty({ enum: PIPELINE_INTERVALS, enumName: 'PipelineIntervalKind' })
  interval: PipelineInterval;

  @ApiProperty({
    type: [PipelineIntervalFigures],
    description:
      "Per interval, per stage: the deals whose latest history entry before the interval's end put them in that " +
      'stage (a change of stage, amount or currency, or the creation; a deletion takes a deal out), counted with ' +
      'their amount and currency at that time. Later edits add entries after it, so past intervals never change.',
  })
  intervals: PipelineIntervalFigures[];
}

export class FunnelStepFigures {
  @ApiProperty({ enum: FUNNEL_STEPS, enumName: 'FunnelStep' })
  status: FunnelStep;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'leads of the cohort that reached this step or a later one before `to`',
  })
  count: number;

  @ApiProperty({
    type: 'number',
    nullable: true,
    minimum: 0,
    maximum: 1,
    description: 'count / the previous step’s count (4 decimals); null for the first step or when that is 0',
  })
  conversionRate: number | null;

  @ApiProperty({
    type: 'number',
    nullable: true,
    minimum: 0,
    description:
      'median days (2 decimals) from first reaching the previous step to first reaching this one, over the leads ' +
      'that reached this one; null for the first step or when none did',
  })
  medianDays: number | null;
}

export class FunnelReport {
  @TimeProperty()
  from: string;

  @TimeProperty()
  to: string;

  @ApiProperty({
    type: [FunnelStepFigures],
    description:
      'The cohort: leads created in [from, to) (deleted ones included). Steps in order new → contacted → ' +
      'qualified → converted; a lead reached a step when its history before `to` has it or a later step (a ' +
      'lead created as qualified reached contacted at its creation). Every lead of the cohort reached `new`.',
  })
  steps: FunnelStepFigures[];

  @ApiProperty({ type: 'integer', minimum: 0, description: 'leads of the cohort whose status was lost at `to`' })
  lost: number;
}

export class WinRateGroupFigures {
  @ApiProperty({
    description: 'an owner id, a lead source (`(none)` without one) or a month `YYYY-MM`',
    example: '2026-03',
  })
  key: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  won: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  lost: number;

  @ApiProperty({
    type: 'number',
    nullable: true,
    minimum: 0,
    maximum: 1,
    description: 'won / (won + lost) by count, 4 decimals',
  })
  winRate: number | null;

  @ApiProperty({ ...MONEY, description: 'amounts of the won deals per currency' })
  wonAmount: MoneyByCurrency;

  @ApiProperty({ ...MONEY, description: 'amounts of the lost deals per currency' })
  lostAmount: MoneyByCurrency;

  @ApiProperty({ ...RATE, description: 'won / (won + lost) by amount, per currency, 4 decimals' })
  amountWinRate: RateByCurrency;
}

export class WinRateReport {
  @TimeProperty()
  from: string;

  @TimeProperty()
  to: string;

  @ApiProperty({ enum: WIN_RATE_GROUPS, enumName: 'WinRateGroup' })
  groupBy: WinRateGroup;

  @ApiProperty({
    type: [WinRateGroupFigures],
    description:
      'Deals that entered won or lost in [from, to) and were still there at `to` (per deal its latest closing), ' +
      'with their owner and amount at `to`. `source` is the lead’s source as it is now (sources have no history). ' +
      'Groups sorted by key.',
  })
  groups: WinRateGroupFigures[];
}

export class ForecastStage {
  @ApiProperty({ enum: OPEN_STAGES, enumName: 'OpenDealStage' })
  stage: OpenStage;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'open deals in this stage now' })
  count: number;

  @ApiProperty({ ...MONEY, description: 'their amounts per currency' })
  amount: MoneyByCurrency;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'closed deals that were once in this stage: won' })
  historicalWon: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'closed deals that were once in this stage: lost' })
  historicalLost: number;

  @ApiProperty({
    type: 'number',
    nullable: true,
    minimum: 0,
    maximum: 1,
    description:
      'historicalWon / (historicalWon + historicalLost), 4 decimals; null without closed deals (then 0 is used)',
  })
  winRate: number | null;

  @ApiProperty({ ...MONEY, description: 'amount × winRate per currency, rounded to cents' })
  expectedAmount: MoneyByCurrency;
}

export class ForecastReport {
  @ApiProperty({
    type: [ForecastStage],
    description:
      'Open deals now × the win rate of the deals that were once in their stage and are now won or lost ' +
      '(all of the tenant’s history).',
  })
  stages: ForecastStage[];

  @ApiProperty({ ...MONEY, description: 'the expected amounts of all open deals per currency' })
  expectedAmount: MoneyByCurrency;
}
