import { TENANT_STATUSES, type TenantStatus } from '@app/catalog';
import { IsSortField, PageQueryDto, SortParam } from '@app/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export const TENANT_SORT_FIELDS = ['slug', 'name', 'plan', 'status', 'createdAt', 'activatedAt'] as const;
export type TenantSortField = (typeof TENANT_SORT_FIELDS)[number];

export class ListTenantsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @IsOptional()
  @IsIn(TENANT_STATUSES)
  status?: TenantStatus;

  @IsOptional()
  @IsSortField(TENANT_SORT_FIELDS)
  sort?: SortParam<TenantSortField>;
}
