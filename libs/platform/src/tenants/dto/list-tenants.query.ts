import { PLAN_CODE_PATTERN, TENANT_STATUSES, type TenantStatus } from '@app/catalog';
import { IsSortField, PageQueryDto, SortParam } from '@app/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export const TENANT_SORT_FIELDS = ['slug', 'name', 'plan', 'status', 'createdAt', 'activatedAt'] as const;
export type TenantSortField = (typeof TENANT_SORT_FIELDS)[number];

/** A tenant migration's name (`Migration20261207212636`), or `none` for tenants with no schema yet. */
const SCHEMA_VERSION_PATTERN = /^(Migration\d{14}|none)$/;

export class ListTenantsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @IsOptional()
  @IsIn(TENANT_STATUSES)
  status?: TenantStatus;

  @ApiPropertyOptional({ description: 'the database server the tenants live on', example: 'main' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{0,30}$/, { message: 'server must name a database server' })
  server?: string;

  @ApiPropertyOptional({ description: "the plan's code", example: 'standard' })
  @IsOptional()
  @Matches(PLAN_CODE_PATTERN, { message: 'plan must be a plan code' })
  plan?: string;

  @ApiPropertyOptional({
    description: 'the last tenant migration applied (`none`: tenants without a schema yet)',
    example: 'Migration20261207212636',
  })
  @IsOptional()
  @Matches(SCHEMA_VERSION_PATTERN, {
    message: 'schemaVersion must be a migration name (Migration + 14 digits) or none',
  })
  schemaVersion?: string;

  @ApiPropertyOptional({ description: 'case-insensitive search in the slug and the name' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @IsOptional()
  @IsSortField(TENANT_SORT_FIELDS)
  sort?: SortParam<TenantSortField>;
}
