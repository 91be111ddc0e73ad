import { IsSortField, PageQueryDto, SortParam } from '@app/common';
import { IsOptional } from 'class-validator';

export const API_KEY_SORT_FIELDS = ['name', 'createdAt', 'expiresAt', 'lastUsedAt'] as const;
export type ApiKeySortField = (typeof API_KEY_SORT_FIELDS)[number];

export class ListApiKeysQuery extends PageQueryDto {
  @IsOptional()
  @IsSortField(API_KEY_SORT_FIELDS)
  sort?: SortParam<ApiKeySortField>;
}
