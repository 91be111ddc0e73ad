import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsOptional } from 'class-validator';

export class SalesSummaryQuery {
  @ApiPropertyOptional({ example: '2026-01-01', description: 'inclusive; a date or an ISO-8601 date-time' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'from must be an ISO-8601 date or date-time' })
  from?: string;

  @ApiPropertyOptional({ example: '2027-01-01', description: 'exclusive; a date or an ISO-8601 date-time' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'to must be an ISO-8601 date or date-time' })
  to?: string;
}
