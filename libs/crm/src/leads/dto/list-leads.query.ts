import { IncrementalPageQueryDto, IsSortField, SortParam } from '@app/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { LEAD_STATUSES, type LeadStatus } from '../lead.entity';

export const LEAD_SORT_FIELDS = ['name', 'company', 'status', 'createdAt', 'updatedAt'] as const;
export type LeadSortField = (typeof LEAD_SORT_FIELDS)[number];

export class ListLeadsQuery extends IncrementalPageQueryDto {
  @ApiPropertyOptional({ enum: LEAD_STATUSES })
  @IsOptional()
  @IsIn(LEAD_STATUSES)
  status?: LeadStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'ownerId must be a UUID' })
  ownerId?: string;

  @ApiPropertyOptional({ description: 'case-insensitive search over name, email and company' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @IsOptional()
  @IsSortField(LEAD_SORT_FIELDS)
  sort?: SortParam<LeadSortField>;
}
