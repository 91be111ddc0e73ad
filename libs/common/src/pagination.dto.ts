import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 100;

export class PageQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  page: number = 1;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = 20;

  @IsOptional()
  @Matches(/^-?[a-zA-Z]{1,40}$/, { message: 'sort must be a field name, optionally prefixed by -' })
  sort?: string;
}

export interface PageMeta {
  page: number;
  limit: number;
  total: number;
}

export interface Page<T> {
  data: T[];
  meta: PageMeta;
}

export interface SortSpec {
  field: string;
  direction: 'asc' | 'desc';
}

/** Parses `?sort=field` / `?sort=-field` against an allowlist; anything else is a 400 upstream. */
export function parseSort(sort: string | undefined, allowed: readonly string[], fallback: SortSpec): SortSpec | null {
  if (!sort) return fallback;
  const direction = sort.startsWith('-') ? 'desc' : 'asc';
  const field = sort.replace(/^-/, '');
  return allowed.includes(field) ? { field, direction } : null;
}

/** `text` as a literal inside a LIKE/ILIKE pattern (its %, _ and \\ escaped). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
