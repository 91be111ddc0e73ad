import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsStrictDate } from '@app/common';
import { IsOptional } from 'class-validator';

export class SalesSummaryQuery {
  @ApiPropertyOptional({
    example: '2026-01-01',
    description: 'inclusive; a date (YYYY-MM-DD) or an RFC 3339 date-time',
  })
  @IsOptional()
  @IsStrictDate('date-or-date-time')
  from?: string;

  @ApiPropertyOptional({
    example: '2027-01-01',
    description: 'exclusive; a date (YYYY-MM-DD) or an RFC 3339 date-time',
  })
  @IsOptional()
  @IsStrictDate('date-or-date-time')
  to?: string;
}
