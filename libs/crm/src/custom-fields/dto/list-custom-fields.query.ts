import { IsSortField, PageQueryDto, SortParam } from '@app/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CUSTOM_FIELD_ENTITIES, type CustomFieldEntity } from '../custom-field-types';

export const CUSTOM_FIELD_SORT_FIELDS = ['key', 'createdAt'] as const;
export type CustomFieldSortField = (typeof CUSTOM_FIELD_SORT_FIELDS)[number];

export class ListCustomFieldsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: CUSTOM_FIELD_ENTITIES })
  @IsOptional()
  @IsIn(CUSTOM_FIELD_ENTITIES, { message: 'entity must be lead or deal' })
  entity?: CustomFieldEntity;

  @IsOptional()
  @IsSortField(CUSTOM_FIELD_SORT_FIELDS)
  sort?: SortParam<CustomFieldSortField>;
}
