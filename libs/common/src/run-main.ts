import { describeError } from './describe-error';
import { boundedShutdownStep, pendingShutdownSteps, shutdownStepsGivenUp, startShutdownClock } from './shutdown';

// Config errors are ours and safe as they are; anything else is described without values (no SQL parameters).
const firstLine = (error: unknown) =>
  (error instanceof Error && error.name === 'ConfigError' ? error.message : describeError(error)).split('\n')[0];

/**
 * Runs a process entry point. A start-up failure (bad configuration, an unreachable
 * database, an error event nobody handled) ends the process with one clear line on stderr,
 * never a stack trace.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  const fail = (error: unknown) => {
    const line =
      error instanceof Error && error.name === 'ConfigError'
        ? firstLine(error)
        : `start-up failed: ${firstLine(error)}`;
    process.stderr.write(`${name}: ${line}\n`);
    process.exit(1);
  };
  // Until start-up is done, an error thrown outside main's promise chain (a library's child
  // process 'error' event, say) is a start-up failure too, not a crash with a stack trace.
  process.on('uncaughtException', fail);
  main().then(() => process.off('uncaughtException', fail), fail);
}

export interface ShutdownOptions {
  /** The whole shutdown's bound (SHUTDOWN_TIMEOUT_MS): past it the process exits anyway. */
  timeoutMs: number;
  log: (line: string) => void;
}

/**
 * Calls `stop` once on SIGTERM/SIGINT, then exits: 0 when everything stopped, 1 when a step
 * was given up on or `stop` failed. Past `timeoutMs` the process exits with 1 whatever is still
 * waiting, after one line naming it. A second signal exits at once.
 */
export function onShutdownSignal(stop: (signal: string) => Promise<void>, options: ShutdownOptions): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) {
      options.log(
        `${signal} again: exiting now${pendingShutdownSteps().length ? `, still waiting for: ${pendingShutdownSteps().join(', ')}` : ''}`,
      );
      process.exit(1);
    }
    stopping = true;
    // Closing clients of servers that are gone, a library may drop a promise that then rejects
    // (Bull's forced reconnect of a dead Redis): said in one line, not a crash mid-shutdown.
    process.on('unhandledRejection', (reason) => options.log(`shutdown: ignored while closing: ${firstLine(reason)}`));
    startShutdownClock(options.timeoutMs);
    setTimeout(() => {
      const waiting = pendingShutdownSteps();
      options.log(
        `shutdown: gave up after ${options.timeoutMs} ms${waiting.length ? `, still waiting for: ${waiting.join(', ')}` : ''}`,
      );
      process.exit(1);
    }, options.timeoutMs);
    stop(signal).then(
      () => process.exit(shutdownStepsGivenUp() ? 1 : 0),
      (error: unknown) => {
        options.log(`shutdown failed: ${firstLine(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

/**
 * The shutdown of a process entry point: on SIGTERM/SIGINT, `what` (the Nest application) closes
 * first, leaving the last 1.5 s of `timeoutMs` to `after` (the embedded PostgreSQL, when there is
 * one); each step is bounded and named in the log when given up on.
 */
export function closeOnShutdownSignal(
  what: string,
  close: () => Promise<unknown>,
  options: ShutdownOptions & {
    after?: { name: string; stop: () => Promise<unknown> };
    announce: (line: string) => void;
  },
): void {
  const { timeoutMs, after } = options;
  onShutdownSignal(async (signal) => {
    options.announce(`${signal}: shutting down`);
    await boundedShutdownStep(what, close, Math.max(timeoutMs / 2, timeoutMs - 1500));
    if (after) await boundedShutdownStep(after.name, after.stop, timeoutMs);
  }, options);
}
