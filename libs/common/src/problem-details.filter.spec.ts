import {
  BadRequestException,
  HttpException,
  NotFoundException as NestNotFoundException,
  ValidationError,
} from '@nestjs/common';
import { IsString, validateSync, ValidateNested } from 'class-validator';
import { AppException, UnauthorizedException, ValidationException } from './app.exception';
import { toProblem } from './problem-details.filter';
import { flattenValidationErrors } from './validation.pipe';

const GENERIC_500 = 'The server failed to answer this request.';

describe('toProblem', () => {
  it('maps an AppException to its own type, title, status, detail, errors and headers', () => {
    const exception = new AppException({
      status: 422,
      code: 'lead-closed',
      title: 'Unprocessable Content',
      detail: 'A closed lead cannot change.',
      errors: [{ field: 'status', message: 'is closed' }],
      headers: { 'Retry-After': '5' },
    });
    expect(toProblem(exception)).toEqual({
      problem: {
        type: 'https://tessera.dev/problems/lead-closed',
        title: 'Unprocessable Content',
        status: 422,
        detail: 'A closed lead cannot change.',
        errors: [{ field: 'status', message: 'is closed' }],
      },
      headers: { 'Retry-After': '5' },
    });
  });

  it('leaves out errors an AppException does not carry, and titles it by its status', () => {
    const { problem, headers } = toProblem(
      new AppException({ status: 409, code: 'slug-taken', detail: 'The slug is taken.' }),
    );
    expect(problem).toEqual({
      type: 'https://tessera.dev/problems/slug-taken',
      title: 'Conflict',
      status: 409,
      detail: 'The slug is taken.',
    });
    expect(problem).not.toHaveProperty('errors');
    expect(headers).toBeUndefined();
  });

  it('keeps the headers of the AppException subclasses', () => {
    const { problem, headers } = toProblem(new UnauthorizedException());
    expect(problem.status).toBe(401);
    expect(problem.type).toBe('https://tessera.dev/problems/unauthorized');
    expect(headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
  });

  it('keeps the field errors of a ValidationException', () => {
    const errors = [{ field: 'email', message: 'email must be an email' }];
    expect(toProblem(new ValidationException(errors)).problem).toMatchObject({
      status: 400,
      type: 'https://tessera.dev/problems/validation',
      errors,
    });
  });

  it('maps a Nest NotFoundException to a generic 404 problem', () => {
    const { problem, headers } = toProblem(new NestNotFoundException());
    expect(problem).toEqual({
      type: 'https://tessera.dev/problems/not-found',
      title: 'Not Found',
      status: 404,
      detail: 'Not Found',
    });
    expect(headers).toBeUndefined();
  });

  it('joins the message array of a Nest 400', () => {
    const { problem } = toProblem(new BadRequestException(['name should not be empty', 'email must be an email']));
    expect(problem).toEqual({
      type: 'https://tessera.dev/problems/bad-request',
      title: 'Bad Request',
      status: 400,
      detail: 'name should not be empty; email must be an email',
    });
  });

  it('uses a string response of an HttpException as the detail', () => {
    expect(toProblem(new HttpException('Slow down', 429)).problem).toEqual({
      type: 'https://tessera.dev/problems/too-many-requests',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Slow down',
    });
  });

  it('hides the message of a 5xx HttpException', () => {
    const { problem } = toProblem(new HttpException('connection to 10.0.0.7 refused', 502));
    expect(problem).toEqual({
      type: 'https://tessera.dev/problems/internal',
      title: 'Internal Server Error',
      status: 502,
      detail: GENERIC_500,
    });
  });

  it('maps a fastify client error to its status and message', () => {
    const error = Object.assign(new Error('Unsupported Media Type: text/plain'), {
      statusCode: 415,
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
    });
    expect(toProblem(error).problem).toEqual({
      type: 'https://tessera.dev/problems/unsupported-media-type',
      title: 'Unsupported Media Type',
      status: 415,
      detail: 'Unsupported Media Type: text/plain',
    });
  });

  it('accepts a plain fastify-style error object', () => {
    expect(toProblem({ statusCode: 413, message: 'Request body is too large' }).problem).toMatchObject({
      status: 413,
      title: 'Payload Too Large',
      detail: 'Request body is too large',
    });
  });

  it('gives a fixed detail for a fastify 400 (bad JSON), whatever its message', () => {
    const error = Object.assign(new SyntaxError('Unexpected token } in JSON at position 12'), { statusCode: 400 });
    expect(toProblem(error).problem).toMatchObject({ status: 400, detail: 'The request body is not valid JSON.' });
  });

  it('treats an error carrying a 5xx statusCode as an internal error', () => {
    const { problem } = toProblem(Object.assign(new Error('pool exhausted on db.internal'), { statusCode: 503 }));
    expect(problem).toEqual({
      type: 'https://tessera.dev/problems/internal',
      title: 'Internal Server Error',
      status: 500,
      detail: GENERIC_500,
    });
  });

  it('hides everything about an unexpected Error', () => {
    const error = new Error('select * from users where secret');
    const { problem, headers } = toProblem(error);
    expect(problem).toEqual({
      type: 'https://tessera.dev/problems/internal',
      title: 'Internal Server Error',
      status: 500,
      detail: GENERIC_500,
    });
    expect(headers).toBeUndefined();
    const text = JSON.stringify(problem);
    expect(text).not.toContain('select');
    expect(text).not.toContain('secret');
    expect(problem).not.toHaveProperty('stack');
    expect(text).not.toContain(error.stack!.split('\n')[1]!.trim());
  });

  it.each([
    ['a string', 'boom'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
  ])('maps %s thrown as-is to a 500', (_label, value) => {
    expect(toProblem(value).problem).toMatchObject({ status: 500, detail: GENERIC_500 });
  });
});

describe('flattenValidationErrors', () => {
  function error(
    property: string,
    constraints?: Record<string, string>,
    children: ValidationError[] = [],
  ): ValidationError {
    return { property, constraints, children };
  }

  it('turns nested errors into dotted field paths', () => {
    const errors = [
      error('name', { isNotEmpty: 'name should not be empty' }),
      error('address', undefined, [
        error('city', {
          isString: 'city must be a string',
          maxLength: 'city must be shorter than or equal to 80 characters',
        }),
      ]),
      error('contacts', undefined, [error('0', undefined, [error('email', { isEmail: 'email must be an email' })])]),
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'name', message: 'name should not be empty' },
      { field: 'address.city', message: 'city must be a string' },
      { field: 'address.city', message: 'city must be shorter than or equal to 80 characters' },
      { field: 'contacts.0.email', message: 'email must be an email' },
    ]);
  });

  it('renames the whitelist error to "x is not an accepted field"', () => {
    const errors = [
      error('isAdmin', { whitelistValidation: 'property isAdmin should not exist' }),
      error('address', undefined, [error('zip', { whitelistValidation: 'property zip should not exist' })]),
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'isAdmin', message: 'isAdmin is not an accepted field' },
      { field: 'address.zip', message: 'zip is not an accepted field' },
    ]);
  });

  it('reports both the constraint of a property and those of its children', () => {
    const errors = [
      error('tags', { arrayMaxSize: 'tags must contain no more than 5 elements' }, [
        error('0', { isString: 'each value in tags must be a string' }),
      ]),
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'tags', message: 'tags must contain no more than 5 elements' },
      { field: 'tags.0', message: 'each value in tags must be a string' },
    ]);
  });

  it('flattens what class-validator itself reports for a nested body with an unknown field', () => {
    class Address {
      @IsString()
      city: string;
    }
    class Body {
      @IsString()
      name: string;

      @ValidateNested()
      address: Address;
    }
    const body = Object.assign(new Body(), {
      name: 7,
      address: Object.assign(new Address(), { city: 'Oslo', zip: '0150' }),
      role: 'admin',
    });

    const flat = flattenValidationErrors(validateSync(body, { whitelist: true, forbidNonWhitelisted: true }));

    expect(flat).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'name must be a string' },
        { field: 'address.zip', message: 'zip is not an accepted field' },
        { field: 'role', message: 'role is not an accepted field' },
      ]),
    );
    expect(flat).toHaveLength(3);
  });

  it('returns nothing for no errors', () => {
    expect(flattenValidationErrors([])).toEqual([]);
  });
});

describe('a database that went away', () => {
  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ message: 'Connection terminated unexpectedly' }],
    [{ message: 'wrapped', cause: { code: 'ECONNRESET' } }],
  ])('is a 503 with Retry-After, not a 500: %p', (error) => {
    const { problem, headers } = toProblem(Object.assign(new Error(String(error.message)), error));
    expect(problem).toMatchObject({ status: 503, type: 'https://tessera.dev/problems/database-unavailable' });
    expect(headers).toEqual({ 'Retry-After': '2' });
    expect(problem.detail).not.toMatch(/127\.0\.0\.1|5432/);
  });

  it('leaves other errors a plain 500', () => {
    expect(toProblem(new Error('duplicate key value')).problem.status).toBe(500);
  });
});
