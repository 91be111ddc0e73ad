export interface FieldError {
  field: string;
  message: string;
}

export const PROBLEM_TYPE_BASE = 'https://tessera.dev/problems/';

/** Each status Tessera answers with: the code of its generic problem and the title of every problem with it. */
export const STATUS_TITLES = {
  400: ['bad-request', 'Bad Request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not Found'],
  405: ['method-not-allowed', 'Method Not Allowed'],
  406: ['not-acceptable', 'Not Acceptable'],
  408: ['request-timeout', 'Request Timeout'],
  409: ['conflict', 'Conflict'],
  412: ['precondition-failed', 'Precondition Failed'],
  413: ['payload-too-large', 'Payload Too Large'],
  414: ['uri-too-long', 'URI Too Long'],
  415: ['unsupported-media-type', 'Unsupported Media Type'],
  422: ['unprocessable', 'Unprocessable Content'],
  429: ['too-many-requests', 'Too Many Requests'],
  503: ['unavailable', 'Service Unavailable'],
} as const satisfies Record<number, readonly [string, string]>;

export type ProblemStatus = keyof typeof STATUS_TITLES;

/** The codes common raises itself; a code another lib shares (a plain 403, a 429) comes from here. */
export type CommonErrorCode =
  'validation' | 'not-found' | 'unauthorized' | 'forbidden' | 'precondition-failed' | 'too-many-requests';

export interface AppExceptionOptions<Code extends string> {
  status: ProblemStatus;
  /** The last segment of the problem `type`: `https://tessera.dev/problems/<code>`. */
  code: Code;
  /** By default the title of the status ("Not Found" for 404). */
  title?: string;
  detail: string;
  /** Field errors: the problem's `errors` member. */
  errors?: FieldError[];
  /** Response headers that go with the problem, such as Retry-After. */
  headers?: Record<string, string>;
  /** Extension members of the problem (RFC 9457 §3.2), e.g. a quota's `limit` and `used`. */
  extensions?: Record<string, string | number | boolean>;
}

/**
 * Base class of every error Tessera raises on purpose; each lib extends it with the union of its
 * own codes (`class TenancyException extends AppException<TenancyErrorCode>`). The global filter
 * maps it to problem+json.
 */
export class AppException<Code extends string = string> extends Error {
  readonly status: ProblemStatus;
  readonly code: Code;
  readonly title: string;
  readonly detail: string;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;
  readonly extensions?: Record<string, string | number | boolean>;

  constructor(options: AppExceptionOptions<Code>) {
    super(options.detail);
    this.name = new.target.name;
    this.status = options.status;
    this.code = options.code;
    this.title = options.title ?? STATUS_TITLES[options.status][1];
    this.detail = options.detail;
    this.errors = options.errors;
    this.headers = options.headers;
    this.extensions = options.extensions;
  }
}

export class ValidationException extends AppException<CommonErrorCode> {
  constructor(errors: FieldError[], detail = 'The request is not valid.') {
    super({ status: 400, code: 'validation', detail, errors });
  }
}

export class NotFoundException extends AppException<CommonErrorCode> {
  constructor(detail = 'The resource does not exist.') {
    super({ status: 404, code: 'not-found', detail });
  }
}

/**
 * A record that exists but the caller may not see: answered exactly like a missing one (404),
 * but recorded in the audit trail as a denied attempt.
 */
export class HiddenRecordException extends NotFoundException {
  readonly hidden = true;
}

export class UnauthorizedException extends AppException<CommonErrorCode> {
  constructor(detail = 'Authentication is required.') {
    super({ status: 401, code: 'unauthorized', detail, headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}

export class ForbiddenException extends AppException<CommonErrorCode> {
  constructor(detail = 'You may not do this.') {
    super({ status: 403, code: 'forbidden', detail });
  }
}

/** `If-Match` names no current version of the resource: someone changed it since the caller read it. */
export class PreconditionFailedException extends AppException<CommonErrorCode> {
  constructor(detail = 'The resource has changed since it was read (If-Match does not match its ETag).') {
    super({ status: 412, code: 'precondition-failed', detail });
  }
}

export class TooManyRequestsException extends AppException<CommonErrorCode> {
  constructor(detail: string, retryAfterSeconds: number) {
    super({ status: 429, code: 'too-many-requests', detail, headers: { 'Retry-After': String(retryAfterSeconds) } });
  }
}
