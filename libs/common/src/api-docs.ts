import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { DECORATORS } from '@nestjs/swagger/dist/constants';
import type { HeaderObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { MAX_PAGE_SIZE } from './pagination.dto';

/**
 * OpenAPI building blocks every lib uses to document its answers, so a generated client types
 * each one: the list page, the problem, the response headers and the answer decorators.
 */

/** Response headers of the conventions in API.md, by name. */
export const RESPONSE_HEADERS = {
  location: {
    Location: {
      description: 'The new resource, an absolute path under /api/v1',
      required: true,
      schema: { type: 'string' },
    },
  },
} satisfies Record<string, Record<string, HeaderObject>>;

/** Where a list sits among all its rows. */
export class PageMeta {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 })
  page: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, example: 20 })
  limit: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 1, description: 'rows matching the filters, on all pages' })
  total: number;
}

/** One page of a list: `{ data, meta }`. */
export interface Page<T> {
  data: T[];
  meta: PageMeta;
}

const pageClasses = new Map<Type<unknown>, Type<Page<unknown>>>();

/**
 * The page schema of one item model, named `<Item>Page` (e.g. LeadPage). One concrete schema per
 * item rather than `allOf` over a generic one, so `additionalProperties: false` holds for both
 * levels and generated clients get a plain `{ data: Lead[]; meta: PageMeta }` type.
 */
export function PageOf<T>(item: Type<T>): Type<Page<T>> {
  const known = pageClasses.get(item);
  if (known) return known as Type<Page<T>>;
  class ItemPage implements Page<T> {
    @ApiProperty({ type: [item] })
    data: T[];

    @ApiProperty({ type: PageMeta })
    meta: PageMeta;
  }
  Object.defineProperty(ItemPage, 'name', { value: `${item.name.replace(/View$/, '')}Page` });
  pageClasses.set(item, ItemPage);
  return ItemPage;
}

/** One field of a validation problem. */
export class FieldProblem {
  @ApiProperty({ example: 'email' })
  field: string;

  @ApiProperty({ example: 'email must be an email address' })
  message: string;
}

/** RFC 9457 problem details, the body of every error answer (extension members allowed). */
export class Problem {
  @ApiProperty({ format: 'uri', example: 'https://tessera.dev/problems/validation' })
  type: string;

  @ApiProperty({ example: 'Bad Request' })
  title: string;

  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400 })
  status: number;

  @ApiProperty({ example: 'The request is not valid.' })
  detail: string;

  @ApiPropertyOptional({ description: 'the request path' })
  instance?: string;

  @ApiPropertyOptional({ type: [FieldProblem], description: 'per field, for validation problems' })
  errors?: FieldProblem[];
}

/** What each error status means, in every operation that may answer it. */
export const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: field errors in `errors`',
  401: 'Missing, malformed, expired or revoked credentials',
  403: 'Not allowed: role, API-key scope, another tenant, or a suspended tenant',
  404: 'Unknown, or not visible to the caller',
  409: 'Conflict with the current state',
  412: '`If-Match` no longer matches the resource',
  413: 'The body is larger than 1 MiB',
  415: 'The body is not JSON',
  422: 'The `Idempotency-Key` was used with another request',
  429: 'Too many requests: wait `Retry-After` seconds',
  503: 'A database is unavailable or the tenant is being moved: retry after `Retry-After` seconds',
};

/** A problem+json answer of one status, with the problem schema. */
export function problemResponse(status: number, description = PROBLEM_DESCRIPTIONS[status]) {
  return {
    description: description ?? 'Error',
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(Problem) } } },
  };
}

/**
 * Error answers particular to an operation, with what they mean there (e.g.
 * `@ApiProblems({ 409: 'The lead is converted already' })`). The answers every operation of a
 * kind shares (401/403 of protected routes, 400 of input, 404 of a path id, the tenant's 429 and
 * 503) are added where the document is built, from the operation itself.
 */
export function ApiProblems(problems: Record<number, string>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(Problem),
    ...Object.entries(problems).map(([status, description]) =>
      ApiResponse({ status: Number(status), ...problemResponse(Number(status), description) }),
    ),
  );
}

interface AnswerOptions {
  description?: string;
  /** The answer carries `Location` (routes with `@Located`). */
  located?: boolean;
}

/** The success answer of an operation: its status and the schema of its body. */
export function ApiAnswer(status: 200 | 201 | 202, type: Type<unknown>, options: AnswerOptions = {}): MethodDecorator {
  const descriptions = { 200: 'OK', 201: 'Created', 202: 'Accepted: the work goes on in the background' };
  return (target, key, descriptor) => {
    // Swagger merges a status's entries field by field: keep the headers another decorator
    // (@Versioned's ETag) declared for the same answer.
    const declared = Reflect.getMetadata(DECORATORS.API_RESPONSE, descriptor.value as object) as
      Record<string, { headers?: Record<string, HeaderObject> }> | undefined;
    const headers = { ...declared?.[status]?.headers, ...(options.located ? RESPONSE_HEADERS.location : {}) };
    return ApiResponse({
      status,
      type,
      description: options.description ?? descriptions[status],
      ...(Object.keys(headers).length ? { headers } : {}),
    })(target, key, descriptor);
  };
}

/** A list's answer: `{ data: [<item>], meta }`. */
export function ApiPage(item: Type<unknown>): MethodDecorator {
  return ApiResponse({ status: 200, type: PageOf(item), description: 'One page of the list' });
}

/** An answer without a body. */
export function ApiNoContent(description = 'Done; no body'): MethodDecorator {
  return ApiResponse({ status: 204, description });
}

/** A UUID field of an answer. */
export const IdProperty = (options: { nullable?: boolean; description?: string } = {}) =>
  ApiProperty({ type: 'string', format: 'uuid', ...options });

/** An ISO-8601 UTC time of an answer (`2026-12-01T09:30:00.000Z`). */
export const TimeProperty = (options: { nullable?: boolean; description?: string } = {}) =>
  ApiProperty({ type: 'string', format: 'date-time', ...options });

/** A text field of an answer that may be null (always present). */
export const NullableText = (options: { format?: string; description?: string; example?: string } = {}) =>
  ApiProperty({ type: 'string', nullable: true, ...options });
