export {
  AppException,
  ForbiddenException,
  HiddenRecordException,
  NotFoundException,
  PreconditionFailedException,
  TooManyRequestsException,
  UnauthorizedException,
  ValidationException,
} from './app.exception';
export type { CommonErrorCode } from './app.exception';
export { genericProblem, ProblemDetailsFilter, toProblem } from './problem-details.filter';
export { createValidationPipe } from './validation.pipe';
export {
  escapeLike,
  IncrementalPageQueryDto,
  IsSortField,
  pageOf,
  PageQueryDto,
  pageWindow,
  parseSort,
} from './pagination.dto';
export type { SortParam, SortSpec } from './pagination.dto';
export {
  ApiAnswer,
  ApiNoContent,
  ApiPage,
  ApiProblems,
  IdProperty,
  NullableText,
  PageMeta,
  PageOf,
  Problem,
  PROBLEM_DESCRIPTIONS,
  problemResponse,
  RESPONSE_HEADERS,
  TimeProperty,
} from './api-docs';
export type { Page } from './api-docs';
export { requestIdFrom } from './request-id';
export { PathId, UuidPipe } from './uuid.pipe';
export { API_BASE_PATH, Located } from './location';
export { acceptJsonBodiesOnly } from './json-only';
export { installInputGate, storableText } from './input-gate';
export { IsStrictDate, postgresTimestamp, strictDateSchema } from './strict-date';
export { closeOnShutdownSignal, runMain } from './run-main';
export { createLogger, PinoNestLogger } from './logger';
export { NormalizedEmail, normalizeEmail } from './email-address';
export { IsOptionalButNotNull } from './optional.decorator';
export { describeError } from './describe-error';
export { boundedShutdownStep } from './shutdown';
export { entityTag, Precondition } from './entity-tag';
export { IfMatch, Versioned } from './versioned.decorator';
export { SharedLimitStore } from './shared-limit-store';
export type { LimitScript, SharedLimitOptions } from './shared-limit-store';
