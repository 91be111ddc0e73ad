import { IsSortField, PageQueryDto, SortParam } from '@app/common';
import { IsOptional } from 'class-validator';

export const WEBHOOK_SORT_FIELDS = ['createdAt', 'url'] as const;
export type WebhookSortField = (typeof WEBHOOK_SORT_FIELDS)[number];

export class ListWebhooksQuery extends PageQueryDto {
  @IsOptional()
  @IsSortField(WEBHOOK_SORT_FIELDS)
  sort?: SortParam<WebhookSortField>;
}
