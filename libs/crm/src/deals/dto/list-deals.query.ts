import { IncrementalPageQueryDto, IsSortField, SortParam } from '@app/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { DEAL_STAGES, type DealStage } from '../deal.entity';

export const DEAL_SORT_FIELDS = ['title', 'amount', 'stage', 'expectedCloseDate', 'createdAt', 'updatedAt'] as const;
export type DealSortField = (typeof DEAL_SORT_FIELDS)[number];

export class ListDealsQuery extends IncrementalPageQueryDto {
  @ApiPropertyOptional({ enum: DEAL_STAGES })
  @IsOptional()
  @IsIn(DEAL_STAGES)
  stage?: DealStage;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'ownerId must be a UUID' })
  ownerId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'leadId must be a UUID' })
  leadId?: string;

  @ApiPropertyOptional({ example: 'USD' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO-4217 code' })
  currency?: string;

  @ApiPropertyOptional({ description: 'case-insensitive search in the title' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @IsOptional()
  @IsSortField(DEAL_SORT_FIELDS)
  sort?: SortParam<DealSortField>;
}
