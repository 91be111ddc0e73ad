/**
 * Runs a process entry point. A start-up failure (bad configuration, an unreachable
 * database) ends the process with one clear line on stderr, never a stack trace.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const line = (error instanceof Error && error.name === 'ConfigError' ? message : `start-up failed: ${message}`).split('\n')[0];
    process.stderr.write(`${name}: ${line}\n`);
    process.exit(1);
  });
}

/** Calls `stop` once on SIGTERM/SIGINT, then exits. */
export function onShutdownSignal(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}
