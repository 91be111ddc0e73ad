import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from './wait';

export interface OwnServer {
  url: string;
  clusterDir: string;
  /** Everything the server logged so far. */
  log(): string;
  stop(): Promise<void>;
  /** Stops it and removes its cluster (as root it lives outside `dataDir`, in /var/tmp). */
  destroy(): Promise<void>;
}

/** A PostgreSQL server of a suite's own, in a child process (test/support/pg-server.mjs), its log captured. */
export async function startOwnServer(dataDir: string, settings: Record<string, string>): Promise<OwnServer> {
  const child = spawn(
    process.execPath,
    [resolve(__dirname, 'pg-server.mjs'), dataDir, String(await freePort()), JSON.stringify(settings)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  return new Promise((done, fail) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const ready = /READY (\S+) (\S+)\n/.exec(out);
      if (!ready) return;
      const stop = () =>
        new Promise<void>((stopped) => {
          if (child.exitCode !== null) return stopped();
          child.once('exit', () => stopped());
          child.kill('SIGTERM');
        });
      done({
        url: ready[1],
        clusterDir: ready[2],
        log: () => log,
        stop,
        destroy: async () => {
          await stop();
          for (const path of [ready[2], `${ready[2]}.password`, dataDir])
            rmSync(path, { recursive: true, force: true });
        },
      });
    });
    child.once('exit', (code) => fail(new Error(`the PostgreSQL helper exited with ${code}`)));
  });
}
