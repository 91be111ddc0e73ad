import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppException, FieldError, HiddenRecordException, PROBLEM_TYPE_BASE, STATUS_TITLES } from './app.exception';
import { describeError, stackFrames } from './describe-error';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const GENERIC: Record<number, readonly [string, string] | undefined> = STATUS_TITLES;

/** Messages of these client errors are ours or the framework's own, and safe to show. */
export function genericProblem(status: number, detail: string): ProblemDetails {
  const [code, title] =
    GENERIC[status] ?? (status >= 500 ? ['internal', 'Internal Server Error'] : ['bad-request', 'Bad Request']);
  return { type: PROBLEM_TYPE_BASE + code, title, status, detail };
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);
const UNREACHABLE_MESSAGE =
  /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Knex: Timeout acquiring a connection|the database system is (shutting down|starting up)/i;

/** A database that went away mid-request: the client should retry, it is not a server bug. */
export function isDatabaseUnreachable(exception: unknown): boolean {
  let error = exception as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; error && depth < 4; depth++, error = error.cause as typeof error) {
    if (typeof error.code === 'string' && UNREACHABLE_CODES.has(error.code)) return true;
    if (typeof error.message === 'string' && UNREACHABLE_MESSAGE.test(error.message)) return true;
  }
  return false;
}

/**
 * A write refused by a read-only session (read_only_sql_transaction): the tenant's role is read-only
 * on its old server while a relocation freezes writes or after it moved on. Retry: the next attempt
 * reaches the tenant's new server.
 */
export function isWriteFrozen(exception: unknown): boolean {
  let error = exception as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; error && depth < 4; depth++, error = error.cause as typeof error) {
    if (error.code === '25006') return true;
  }
  return false;
}

/** Turns any thrown value into an RFC 9457 problem document. Exported for unit tests. */
export function toProblem(exception: unknown): { problem: ProblemDetails; headers?: Record<string, string> } {
  if (exception instanceof AppException) {
    const problem: ProblemDetails = {
      ...exception.extensions,
      type: PROBLEM_TYPE_BASE + exception.code,
      title: exception.title,
      status: exception.status,
      detail: exception.detail,
    };
    if (exception.errors) problem.errors = exception.errors;
    return { problem, headers: exception.headers };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const detail =
      status >= 500
        ? 'The server failed to answer this request.'
        : Array.isArray(message)
          ? message.join('; ')
          : String(message ?? exception.message);
    return { problem: genericProblem(status, detail) };
  }
  const fastifyStatus = (exception as { statusCode?: unknown } | null)?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    // Fastify's own client errors (bad JSON, wrong content type, body too large) carry safe messages.
    const detail = fastifyStatus === 400 ? 'The request body is not valid JSON.' : String((exception as Error).message);
    return { problem: genericProblem(fastifyStatus, detail) };
  }
  if (isWriteFrozen(exception)) {
    return {
      problem: {
        type: PROBLEM_TYPE_BASE + 'tenant-relocating',
        title: 'Service Unavailable',
        status: 503,
        detail: "This tenant's database is moving to another server: reads are served, writes resume in a few seconds.",
      },
      headers: { 'Retry-After': '2' },
    };
  }
  if (isDatabaseUnreachable(exception)) {
    return {
      problem: {
        type: PROBLEM_TYPE_BASE + 'database-unavailable',
        title: 'Service Unavailable',
        status: 503,
        detail: 'A database cannot be reached right now; try again shortly.',
      },
      headers: { 'Retry-After': '2' },
    };
  }
  return { problem: genericProblem(500, 'The server failed to answer this request.') };
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { problem, headers } = toProblem(exception);
    // The audit recorder tells a hidden record (denied) from a missing one (failed).
    if (exception instanceof HiddenRecordException)
      (request as FastifyRequest & { hiddenRecord?: boolean }).hiddenRecord = true;
    if (problem.status >= 500 && !(exception instanceof AppException) && problem.status !== 503) {
      this.logger.error(
        // Class, SQLSTATE and statement shape only: a driver's message holds the SQL with its values.
        { requestId: request.id, method: request.method, url: request.url, err: describeError(exception) },
        stackFrames(exception),
      );
    }
    problem.instance = request.url?.split('?')[0];
    for (const [name, value] of Object.entries(headers ?? {})) void reply.header(name, value);
    void reply.status(problem.status).type('application/problem+json').send(problem);
  }
}
