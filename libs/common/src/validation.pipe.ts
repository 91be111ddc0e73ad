import {
  ArgumentMetadata,
  PipeTransform,
  ValidationError,
  ValidationPipe,
  ValidationPipeOptions,
} from '@nestjs/common';
import { FieldError, ValidationException } from './app.exception';

/**
 * A required property left out: class-validator ran its constraints on `undefined` (optional
 * ones are skipped then), so they would explain a shape instead of saying it is missing. Only
 * errors that carry their value (the pipe asks for it) can tell.
 */
function isMissing(error: ValidationError): boolean {
  return 'value' in error && error.value === undefined && error.constraints !== undefined;
}

/**
 * Flattens nested class-validator errors into `{field, message}` pairs with dotted paths; a
 * missing required property is one `<field> is required`.
 */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    if (isMissing(error)) {
      out.push({ field, message: `${error.property} is required` });
      continue;
    }
    for (const message of Object.values(error.constraints ?? {})) {
      out.push({ field, message: message.replace(/^property (\S+) should not exist$/, '$1 is not an accepted field') });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/** Query strings remembered per DTO class; past this many, the memory starts afresh. */
const MAX_REMEMBERED_QUERIES = 500;

/**
 * A query string's validation depends on nothing but the query and its DTO class, and clients ask
 * for the same few again and again (`?limit=20`, a dashboard's filters): a query accepted once is
 * answered from memory as a fresh copy, so validation runs once per distinct query, not per
 * request. Only flat queries of strings are remembered; refusals are never, so each one is built
 * (and reported) anew; bodies and path parameters always go through validation.
 *
 * A remembered query, and a custom parameter decorator's value (which ValidationPipe leaves as
 * it is unless told to validate them), are answered synchronously: Nest awaits a pipe's answer
 * either way, and a promise of our own costs the tenant context's async hooks on every request.
 */
export class RememberingValidationPipe implements PipeTransform<unknown, unknown> {
  private readonly validation: ValidationPipe;
  private readonly validatesCustomDecorators: boolean;
  private readonly accepted = new Map<unknown, Map<string, object>>();

  constructor(options: ValidationPipeOptions) {
    this.validation = new ValidationPipe(options);
    this.validatesCustomDecorators = options.validateCustomDecorators ?? false;
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom' && !this.validatesCustomDecorators) return value;
    const key = metadata.type === 'query' && metadata.metatype ? flatKey(value) : undefined;
    if (key === undefined) return this.validation.transform(value, metadata);
    const known = this.accepted.get(metadata.metatype)?.get(key);
    if (known) return copy(known);
    return this.validation.transform(value, metadata).then((result: unknown) => this.remember(metadata, key, result));
  }

  private remember(metadata: ArgumentMetadata, key: string, result: unknown): unknown {
    if (result && typeof result === 'object' && Object.values(result).every(isScalar)) {
      let queries = this.accepted.get(metadata.metatype);
      if (!queries) this.accepted.set(metadata.metatype, (queries = new Map()));
      if (queries.size >= MAX_REMEMBERED_QUERIES) queries.clear();
      queries.set(key, copy(result));
    }
    return result;
  }
}

function isScalar(value: unknown): boolean {
  return value === null || value === undefined || ['string', 'number', 'boolean'].includes(typeof value);
}

/** The key of a parsed query whose values are all strings (a repeated parameter is an array: not remembered). */
function flatKey(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const values = Object.values(value);
  return values.every((v) => typeof v === 'string') ? JSON.stringify(value) : undefined;
}

function copy<T extends object>(instance: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(instance) as object) as T, instance);
}

/** The one validation pipe: unknown fields are rejected, types are enforced, values are transformed. */
export function createValidationPipe(): RememberingValidationPipe {
  return new RememberingValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    // The value is read only to tell a missing property (flattenValidationErrors); it never reaches the answer.
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => new ValidationException(flattenValidationErrors(errors)),
  });
}
