import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './wait';

/** Prism's validating proxy in front of a running API: every request and answer is checked against the document. */
export interface PrismProxy {
  url: string;
  /** Prism's log (its violations are printed there too). */
  output: () => string;
  stop: () => Promise<void>;
}

/** One violation Prism found, as it reports them in the `sl-violations` header. */
export interface Violation {
  location: string[];
  severity: string;
  code: string;
  message: string;
}

/**
 * Starts `prism proxy <document> <upstream>` on a free port. With `errors`, an answer that breaks
 * the document becomes a 500 problem (and an invalid request is refused); without it, everything
 * is forwarded and the violations ride in the `sl-violations` header of the answer.
 */
export async function startPrism(documentFile: string, upstream: string, errors: boolean): Promise<PrismProxy> {
  const port = await freePort();
  const cli = require.resolve('@stoplight/prism-cli/dist/index.js');
  const args = ['proxy', documentFile, upstream, '--host', '127.0.0.1', '--port', String(port)];
  const child: ChildProcess = spawn(process.execPath, [cli, ...args, ...(errors ? ['--errors'] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listening = new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Prism is listening')) resolve();
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`prism exited (${code}) before listening:\n${output}`)));
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await listening.finally(() => clearTimeout(timeout));
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The violations of one answer (none when Prism found the exchange valid). */
export function violationsOf(headers: Headers): Violation[] {
  const header = headers.get('sl-violations');
  return header ? (JSON.parse(header) as Violation[]) : [];
}
