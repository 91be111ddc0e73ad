import 'reflect-metadata';
import { ArgumentMetadata } from '@nestjs/common';
import { IsOptional } from 'class-validator';
import { ValidationException } from './app.exception';
import { IsSortField, pageOf, PageQueryDto, pageWindow, parseSort, SortParam } from './pagination.dto';
import { createValidationPipe } from './validation.pipe';

const FRUIT_FIELDS = ['name', 'createdAt'] as const;

class ListFruitQuery extends PageQueryDto {
  @IsOptional()
  @IsSortField(FRUIT_FIELDS)
  sort?: SortParam<(typeof FRUIT_FIELDS)[number]>;
}

class ListEventsQuery extends PageQueryDto {
  @IsOptional()
  @IsSortField(['at'])
  sort?: SortParam<'at'>;
}

const pipe = createValidationPipe();

async function query<T>(metatype: new () => T, value: Record<string, unknown>): Promise<T> {
  const metadata: ArgumentMetadata = { type: 'query', metatype };
  return (await pipe.transform(value, metadata)) as T;
}

/** The field errors of the 400 the pipe answers `value` with. */
async function refusal(metatype: new () => unknown, value: Record<string, unknown>): Promise<unknown> {
  const error: unknown = await query(metatype, value).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ValidationException);
  return (error as ValidationException).errors;
}

describe('@IsSortField', () => {
  it.each(['name', '-name', 'createdAt', '-createdAt'])('accepts sort=%s', async (sort) => {
    await expect(query(ListFruitQuery, { sort })).resolves.toMatchObject({ sort });
  });

  it('accepts a list without sort', async () => {
    const list = await query(ListFruitQuery, {});
    expect(list.sort).toBeUndefined();
  });

  it.each(['password', '-ownerId', 'Name'])('refuses sort=%s, naming the fields it may take', async (sort) => {
    await expect(refusal(ListFruitQuery, { sort })).resolves.toEqual([
      { field: 'sort', message: 'sort must be one of name, createdAt (prefix - for descending)' },
    ]);
  });

  it.each([
    ['a space', 'na me'],
    ['a double dash', '--name'],
    ['an empty value', ''],
    ['a repeated parameter', ['name', 'createdAt']],
    ['41 letters', 'a'.repeat(41)],
  ])('refuses %s as no field name', async (_label, sort) => {
    await expect(refusal(ListFruitQuery, { sort })).resolves.toEqual([
      { field: 'sort', message: 'sort must be a field name, optionally prefixed by -' },
    ]);
  });

  it('names both directions of a list sorted by one field', async () => {
    await expect(query(ListEventsQuery, { sort: '-at' })).resolves.toMatchObject({ sort: '-at' });
    await expect(refusal(ListEventsQuery, { sort: 'seq' })).resolves.toEqual([
      { field: 'sort', message: 'sort must be at or -at' },
    ]);
  });
});

describe('parseSort', () => {
  it('reads a field as ascending and a dashed field as descending', () => {
    expect(parseSort<'name'>('name', { field: 'name', direction: 'desc' })).toEqual({
      field: 'name',
      direction: 'asc',
    });
    expect(parseSort<'name'>('-name', { field: 'name', direction: 'asc' })).toEqual({
      field: 'name',
      direction: 'desc',
    });
  });

  it('falls back without a sort', () => {
    expect(parseSort<'name' | 'createdAt'>(undefined, { field: 'createdAt', direction: 'desc' })).toEqual({
      field: 'createdAt',
      direction: 'desc',
    });
  });
});

describe('pageWindow and pageOf', () => {
  it('skips the rows of the pages before the one asked for', () => {
    expect(pageWindow({ page: 3, limit: 20 })).toEqual({ limit: 20, offset: 40 });
  });

  it('answers one page as views with the page, the limit and the total', () => {
    expect(pageOf({ page: 2, limit: 2 }, [[{ n: 3 }, { n: 4 }], 5], (row) => `#${row.n}`)).toEqual({
      data: ['#3', '#4'],
      meta: { page: 2, limit: 2, total: 5 },
    });
  });
});
