import { IsSortField, PageQueryDto, SortParam } from '@app/common';
import { IsOptional } from 'class-validator';

export const SUPPORT_SESSION_SORT_FIELDS = ['requestedAt'] as const;
export type SupportSessionSortField = (typeof SUPPORT_SESSION_SORT_FIELDS)[number];

/** Newest request first unless `?sort=requestedAt`. */
export class ListSupportSessionsQuery extends PageQueryDto {
  @IsOptional()
  @IsSortField(SUPPORT_SESSION_SORT_FIELDS)
  sort?: SortParam<SupportSessionSortField>;
}
