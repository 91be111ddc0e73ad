export interface FieldError {
  field: string;
  message: string;
}

export const PROBLEM_TYPE_BASE = 'https://tessera.dev/problems/';

/**
 * Base class of every error Tessera raises on purpose. `code` becomes the last
 * segment of the problem `type`; the global filter maps it to problem+json.
 */
export class AppException extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class ValidationException extends AppException {
  constructor(errors: FieldError[], detail = 'The request is not valid.') {
    super(400, 'validation', 'Bad Request', detail, errors);
  }
}

export class NotFoundException extends AppException {
  constructor(detail = 'The resource does not exist.') {
    super(404, 'not-found', 'Not Found', detail);
  }
}

/**
 * A record that exists but the caller may not see: answered exactly like a missing one (404),
 * but recorded in the audit trail as a denied attempt.
 */
export class HiddenRecordException extends NotFoundException {
  readonly hidden = true;
}

export class ForbiddenException extends AppException {
  constructor(detail = 'You may not do this.', code = 'forbidden') {
    super(403, code, 'Forbidden', detail);
  }
}

export class UnauthorizedException extends AppException {
  constructor(detail = 'Authentication is required.') {
    super(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class ConflictException extends AppException {
  constructor(detail: string, code = 'conflict') {
    super(409, code, 'Conflict', detail);
  }
}

export class ServiceUnavailableException extends AppException {
  constructor(detail: string, code = 'unavailable', retryAfterSeconds = 1) {
    super(503, code, 'Service Unavailable', detail, undefined, { 'Retry-After': String(retryAfterSeconds) });
  }
}
