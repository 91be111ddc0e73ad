import { Logger } from '@nestjs/common';

const logger = new Logger('Shutdown');
/** Steps get no time past this point (set when a signal starts the shutdown), so the process-wide bound can log them. */
let deadline: number | undefined;
const pending = new Set<string>();
let gaveUp = 0;

/** Starts the process-wide shutdown clock: no bounded step waits past `timeoutMs` from now. */
export function startShutdownClock(timeoutMs: number): void {
  deadline = Date.now() + timeoutMs;
}

/** The bounded steps still running (what a process that must exit now gives up on). */
export function pendingShutdownSteps(): string[] {
  return [...pending];
}

/** How many steps were given up on so far. */
export function shutdownStepsGivenUp(): number {
  return gaveUp;
}

/**
 * Waits for one shutdown step at most `capMs` (and never within 500 ms of the shutdown
 * deadline). Past that it gives up on the step with one log line naming it and returns; the
 * step's own promise is left behind. A failing step is logged the same way and never throws.
 */
export async function boundedShutdownStep(name: string, work: () => Promise<unknown>, capMs: number): Promise<void> {
  const ms = Math.max(0, Math.floor(deadline === undefined ? capMs : Math.min(capMs, deadline - Date.now() - 500)));
  let timer: NodeJS.Timeout | undefined;
  pending.add(name);
  try {
    const outcome = await Promise.race([
      Promise.resolve()
        .then(work)
        .then(
          () => 'done' as const,
          (error: unknown) => {
            logger.warn(
              `shutdown: ${name} failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`,
            );
            return 'failed' as const;
          },
        ),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms))),
    ]);
    if (outcome === 'timeout') {
      gaveUp += 1;
      logger.warn(`shutdown: gave up on ${name} after ${ms} ms`);
    }
  } finally {
    clearTimeout(timer);
    pending.delete(name);
  }
}
