import type { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { describeError, stackFrames } from './describe-error';

/** Never logged, wherever they appear in a log record. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  '*.password',
  '*.adminPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
  '*.key',
  '*.passwordHash',
];

function serializeError(value: unknown): unknown {
  return value instanceof Error
    ? { type: value.name, message: describeError(value), stack: stackFrames(value) }
    : value;
}

/** JSON logs (pino): one record per line, secrets redacted. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tessera' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // An error object in a record is described, never dumped: driver messages hold SQL with values.
      serializers: { err: serializeError, error: serializeError },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Nest's logger on top of pino, so framework and application lines share one format. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }

  error(message: unknown, trace?: string, context?: string): void {
    // A trace is kept to its frames: its first lines repeat the error's message.
    const frames = trace ? (stackFrames({ stack: trace }) ?? undefined) : undefined;
    const text =
      message instanceof Error
        ? describeError(message)
        : String(message instanceof Object ? JSON.stringify(message) : message);
    this.logger.error({ context, ...(frames && { trace: frames }) }, text);
  }

  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }

  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }

  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }

  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(level: 'info' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, context?: string): void {
    if (message && typeof message === 'object') this.logger[level]({ context, ...(message as object) });
    else this.logger[level]({ context }, String(message));
  }
}
