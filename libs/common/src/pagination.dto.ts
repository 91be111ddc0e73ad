import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidateBy, ValidationArguments, ValidationOptions } from 'class-validator';
import type { Page } from './api-docs';
import { IsStrictDate } from './strict-date';

export const MAX_PAGE_SIZE = 100;

/** `?page=&limit=` of every list; each list adds its own `sort` (`@IsSortField`) and filters. */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100000, default: 1, description: 'page number, from 1' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  page: number = 1;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: 20,
    description: 'items per page',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = 20;
}

/** A list that also serves incremental sync (API.md): `?updatedSince=` keeps rows changed at or after it. */
export class IncrementalPageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: 'string',
    format: 'date-time',
    description: 'only records changed at or after this instant (inclusive), for incremental sync',
  })
  @IsOptional()
  @IsStrictDate('date-time')
  updatedSince?: string;
}

type PageRequest = Pick<PageQueryDto, 'page' | 'limit'>;

/** The rows one page covers, as MikroORM's `limit` and `offset`. */
export function pageWindow(query: PageRequest): { limit: number; offset: number } {
  return { limit: query.limit, offset: (query.page - 1) * query.limit };
}

/** A list's answer: one page of rows as views, and where it sits among `total`. */
export function pageOf<Row, View>(
  query: PageRequest,
  [rows, total]: [Row[], number],
  view: (row: Row) => View,
): Page<View> {
  return { data: rows.map((row) => view(row)), meta: { page: query.page, limit: query.limit, total } };
}

export interface SortSpec<Field extends string = string> {
  field: Field;
  direction: 'asc' | 'desc';
}

/** `?sort=field` (ascending) or `?sort=-field` (descending). */
export type SortParam<Field extends string> = Field | `-${Field}`;

const SORT_SHAPE = /^-?[a-zA-Z]{1,40}$/;

/**
 * A list's `?sort=` over its allow-list of fields: anything else is a 400 of the validation pipe
 * that names the allowed fields (`sort must be one of name, createdAt (prefix - for descending)`).
 */
export function IsSortField(fields: readonly string[], options?: ValidationOptions): PropertyDecorator {
  const allowed =
    fields.length === 1 ? `${fields[0]} or -${fields[0]}` : `one of ${fields.join(', ')} (prefix - for descending)`;
  const wellFormed = (value: unknown): value is string => typeof value === 'string' && SORT_SHAPE.test(value);
  const documented = ApiPropertyOptional({
    type: 'string',
    enum: fields.flatMap((field) => [field, `-${field}`]),
    description: `sort order: a field, ascending, or -field, descending (${fields.join(', ')})`,
  });
  const validated = ValidateBy(
    {
      name: 'isSortField',
      constraints: [fields],
      validator: {
        validate: (value) => wellFormed(value) && fields.includes(value.replace(/^-/, '')),
        defaultMessage: ({ property, value }: ValidationArguments) =>
          wellFormed(value)
            ? `${property} must be ${allowed}`
            : `${property} must be a field name, optionally prefixed by -`,
      },
    },
    options,
  );
  return applyDecorators(documented, validated);
}

/** The order a validated `?sort=` asks for; `fallback` without one. */
export function parseSort<Field extends string>(
  sort: SortParam<Field> | undefined,
  fallback: SortSpec<Field>,
): SortSpec<Field> {
  if (!sort) return fallback;
  return sort.startsWith('-')
    ? { field: sort.slice(1) as Field, direction: 'desc' }
    : { field: sort as Field, direction: 'asc' };
}

/** `text` as a literal inside a LIKE/ILIKE pattern (its %, _ and \\ escaped). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
