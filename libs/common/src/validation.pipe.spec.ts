import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ValidationException } from './app.exception';
import { IsOptionalButNotNull } from './optional.decorator';
import { createValidationPipe } from './validation.pipe';

class Address {
  @IsString()
  @MaxLength(80)
  city: string;
}

class Body {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @IsIn(['a', 'b'], { message: 'kind must be one of a, b' })
  kind: string;

  @IsOptional()
  @IsString()
  note?: string | null;

  @IsOptionalButNotNull()
  @IsString()
  tag?: string;

  @IsObject()
  @ValidateNested()
  @Type(() => Address)
  address: Address;
}

async function errorsOf(body: unknown) {
  try {
    await createValidationPipe().transform(body, { type: 'body', metatype: Body });
  } catch (error) {
    if (error instanceof ValidationException) return error.errors;
    throw error;
  }
  throw new Error('the body was accepted');
}

describe('createValidationPipe: missing required properties', () => {
  it('reports each missing required property once as "<field> is required"', async () => {
    expect(await errorsOf({})).toEqual([
      { field: 'name', message: 'name is required' },
      { field: 'kind', message: 'kind is required' },
      { field: 'address', message: 'address is required' },
    ]);
  });

  it('says so for a missing property of a nested object too, with its dotted path', async () => {
    expect(await errorsOf({ name: 'n', kind: 'a', address: {} })).toEqual([
      { field: 'address.city', message: 'city is required' },
    ]);
  });

  it('keeps the constraint messages for present values, null included', async () => {
    expect(await errorsOf({ name: null, kind: 'c', tag: null, address: { city: 'x'.repeat(81) } })).toEqual([
      { field: 'name', message: 'name must be shorter than or equal to 200 characters' },
      { field: 'name', message: 'name must be longer than or equal to 1 characters' },
      { field: 'name', message: 'name must be a string' },
      { field: 'kind', message: 'kind must be one of a, b' },
      { field: 'tag', message: 'tag must be a string' },
      { field: 'address.city', message: 'city must be shorter than or equal to 80 characters' },
    ]);
  });

  it('still names unknown fields, and lets optional ones be left out', async () => {
    expect(await errorsOf({ name: 'n', kind: 'a', address: { city: 'Oslo' }, role: 'admin' })).toEqual([
      { field: 'role', message: 'role is not an accepted field' },
    ]);
    await expect(
      createValidationPipe().transform(
        { name: 'n', kind: 'a', address: { city: 'Oslo' } },
        { type: 'body', metatype: Body },
      ),
    ).resolves.toBeInstanceOf(Body);
  });

  it('never puts the values into the answer', async () => {
    const errors = await errorsOf({ name: 'secret-value'.repeat(30), kind: 'a', address: { city: 'Oslo' } });
    expect(JSON.stringify(errors)).not.toContain('secret-value');
  });
});

class ListQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Max(100)
  limit: number = 20;

  @IsOptional()
  @IsIn(['new', 'lost'])
  status?: string;
}

class OtherQuery {
  @IsOptional()
  @IsIn(['won'])
  status?: string;
}

const asQuery = (value: Record<string, string>) => Object.assign(Object.create(null) as object, value);

describe('createValidationPipe: queries', () => {
  it('answers a query it accepted before with an equal, fresh instance of its DTO', async () => {
    const pipe = createValidationPipe();
    const metadata = { type: 'query', metatype: ListQuery } as const;
    const first = (await pipe.transform(asQuery({ limit: '5', status: 'new' }), metadata)) as ListQuery;
    first.limit = 99;
    const second = (await pipe.transform(asQuery({ limit: '5', status: 'new' }), metadata)) as ListQuery;
    expect(second).toBeInstanceOf(ListQuery);
    expect(second).not.toBe(first);
    expect({ ...second }).toEqual({ limit: 5, status: 'new' });
  });

  it('refuses a bad query every time it comes', async () => {
    const pipe = createValidationPipe();
    for (let i = 0; i < 2; i++) {
      await expect(
        pipe.transform(asQuery({ limit: '500' }), { type: 'query', metatype: ListQuery }),
      ).rejects.toBeInstanceOf(ValidationException);
    }
  });

  it('judges the same query string anew for another DTO', async () => {
    const pipe = createValidationPipe();
    await expect(
      pipe.transform(asQuery({ status: 'new' }), { type: 'query', metatype: ListQuery }),
    ).resolves.toBeInstanceOf(ListQuery);
    await expect(
      pipe.transform(asQuery({ status: 'new' }), { type: 'query', metatype: OtherQuery }),
    ).rejects.toBeInstanceOf(ValidationException);
  });

  it('still refuses a repeated parameter (an array), which it never remembers', async () => {
    const pipe = createValidationPipe();
    const repeated = Object.assign(Object.create(null) as object, { status: ['new', 'lost'] });
    for (let i = 0; i < 2; i++) {
      await expect(pipe.transform(repeated, { type: 'query', metatype: ListQuery })).rejects.toBeInstanceOf(
        ValidationException,
      );
    }
  });

  it('answers a query it accepted before synchronously, and a new one only after validating it', async () => {
    const pipe = createValidationPipe();
    const metadata = { type: 'query', metatype: ListQuery } as const;
    const first = pipe.transform(asQuery({ limit: '7' }), metadata);
    expect(first).toBeInstanceOf(Promise);
    await first;
    expect(pipe.transform(asQuery({ limit: '7' }), metadata)).toBeInstanceOf(ListQuery);
  });
});

describe('createValidationPipe: custom parameter decorators', () => {
  it('passes their value through as it is, without a promise (ValidationPipe does not validate them)', () => {
    const principal = { sub: 'user-1', role: 'manager' };
    expect(createValidationPipe().transform(principal, { type: 'custom', metatype: Object })).toBe(principal);
  });
});
