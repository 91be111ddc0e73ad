import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/** A seq cursor: a non-negative integer of at most 15 digits, no sign, no exponent, no leading zero. */
export const SEQ_PATTERN = /^(0|[1-9][0-9]{0,14})$/;

export class ListEventsQuery {
  @ApiPropertyOptional({
    type: 'string',
    pattern: SEQ_PATTERN.source,
    default: '0',
    description: 'only events with a greater seq (the last seq seen)',
  })
  @IsOptional()
  @Matches(SEQ_PATTERN, { message: 'after must be a non-negative integer (a seq)' })
  after?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'events per page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;
}
