import { IsStrictDate, ValidationException } from '@app/common';
import type { PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

/** The longest period an analytics query may span. */
export const MAX_SPAN_DAYS = 1096;

export const PIPELINE_INTERVALS = ['week', 'month'] as const;
export type PipelineInterval = (typeof PIPELINE_INTERVALS)[number];

export const WIN_RATE_GROUPS = ['owner', 'source', 'month'] as const;
export type WinRateGroup = (typeof WIN_RATE_GROUPS)[number];

/** A period `[from, to)`, in UTC, at most MAX_SPAN_DAYS long. */
export class AnalyticsPeriodQuery {
  @ApiProperty({
    example: '2026-01-01',
    description: 'start of the period, inclusive: a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 date-time',
  })
  @IsStrictDate('date-or-date-time')
  from: string;

  @ApiProperty({
    example: '2026-07-01',
    description: `end of the period, exclusive, after \`from\` and at most ${MAX_SPAN_DAYS} days later`,
  })
  @IsStrictDate('date-or-date-time')
  to: string;
}

export class PipelineQuery extends AnalyticsPeriodQuery {
  @ApiPropertyOptional({
    enum: PIPELINE_INTERVALS,
    default: 'month',
    description: 'calendar months or ISO weeks (from Monday), in UTC, clipped to the period',
  })
  @IsOptional()
  @IsIn(PIPELINE_INTERVALS, { message: `interval must be one of ${PIPELINE_INTERVALS.join(', ')}` })
  interval?: PipelineInterval;
}

export class WinRateQuery extends AnalyticsPeriodQuery {
  @ApiPropertyOptional({
    enum: WIN_RATE_GROUPS,
    default: 'owner',
    description: "the deal's owner when it closed, its lead's source, or the calendar month (UTC) it closed in",
  })
  @IsOptional()
  @IsIn(WIN_RATE_GROUPS, { message: `groupBy must be one of ${WIN_RATE_GROUPS.join(', ')}` })
  groupBy?: WinRateGroup;
}

/** The query of a route that takes no parameters: any parameter is refused (400), naming it. */
export class NoParametersPipe implements PipeTransform<unknown, Record<string, never>> {
  transform(value: unknown): Record<string, never> {
    const names = value && typeof value === 'object' ? Object.keys(value) : [];
    if (names.length)
      throw new ValidationException(
        names.map((field) => ({ field, message: `${field} is not an accepted parameter` })),
      );
    return {};
  }
}
