// The servers the test tiers need, started once per jest run and shared by every project that
// asks: jest runs the global setup of each selected project one after the other, all in its
// main process, so a step another project's setup already did is skipped.
// - PostgreSQL: DATABASE_URL's when set, else an embedded one (TESSERA_TEST_PG, an admin URL);
// - a second, embedded PostgreSQL (wal_level logical) for placement on and relocation to another server (TESSERA_TEST_PG2);
// - Redis: REDIS_URL, else the local server at 127.0.0.1:6379 (TESSERA_TEST_REDIS);
// - a build of the apps (dist/), for the suites that run a real API, worker or CLI process;
// - PgBouncer in front of the first PostgreSQL (TESSERA_TEST_PGBOUNCER), for the e2e-pooler tier.
// eslint-disable-next-line no-restricted-imports -- jest global setup runs outside the module mapper
import { startEmbeddedPostgres } from '../../libs/catalog/src/embedded-postgres';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { startPgBouncer } from './pgbouncer';
import { freePort } from './wait';

interface TestServers {
  stops: (() => Promise<void>)[];
  dirs: string[];
  /** What each step made ready, by step. */
  ready: Partial<Record<'pg' | 'pg2' | 'redis' | 'build' | 'pgbouncer', string>>;
}

/** What this jest run started, kept on the global object for the teardown. */
function servers(): TestServers {
  const global = globalThis as { __TESSERA_TEST_SERVERS__?: TestServers };
  global.__TESSERA_TEST_SERVERS__ ??= { stops: [], dirs: [], ready: {} };
  return global.__TESSERA_TEST_SERVERS__;
}

async function embedded(settings?: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  servers().dirs.push(dir);
  const pg = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), persistent: false, settings });
  servers().stops.push(() => pg.stop());
  return pg.url;
}

function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port || 6379), hostname, () => socket.write('PING\r\n'));
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
  });
}

/** Runs a step once per jest run; later calls answer what the first made ready. */
async function once(step: keyof TestServers['ready'], run: () => Promise<string> | string): Promise<string> {
  const ready = servers().ready;
  const done = ready[step] ?? (await run());
  ready[step] = done;
  return done;
}

/** TESSERA_TEST_PG: the admin URL of DATABASE_URL's server, else of an embedded one. */
export function startPostgres(): Promise<string> {
  return once('pg', async () => {
    if (!process.env.DATABASE_URL) {
      process.env.TESSERA_TEST_PG = await embedded();
      return 'PostgreSQL embedded';
    }
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    process.env.TESSERA_TEST_PG = url.toString();
    return 'PostgreSQL of DATABASE_URL';
  });
}

/** TESSERA_TEST_PG2: a second, embedded server. */
export function startSecondPostgres(): Promise<string> {
  return once('pg2', async () => {
    // wal_level logical: relocations from it replicate (test/relocation.e2e-spec.ts); from the first they freeze.
    process.env.TESSERA_TEST_PG2 = await embedded({ wal_level: 'logical' });
    return 'a second embedded PostgreSQL (wal_level logical)';
  });
}

/** TESSERA_TEST_REDIS: REDIS_URL's server (default 127.0.0.1:6379), which must answer. */
export function requireRedis(): Promise<string> {
  return once('redis', async () => {
    const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    if (!(await redisAnswers(redis)))
      throw new Error(`e2e: no Redis answers at ${redis}; start one (redis-server) or set REDIS_URL`);
    process.env.TESSERA_TEST_REDIS = redis;
    return `Redis at ${redis}`;
  });
}

/** dist/: the API, worker and CLI as they ship. */
export function buildApps(): Promise<string> {
  return once('build', () => {
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
    return 'build';
  });
}

/** What the e2e-pooler tier's PgBouncer is (TESSERA_TEST_PGBOUNCER, JSON). */
export interface TestPgBouncer {
  host: string;
  port: number;
  adminUrl: string;
  defaultPoolSize: number;
  maxDbConnections: number;
  serverIdleTimeout: number;
}

/**
 * TESSERA_TEST_PGBOUNCER: a real PgBouncer in front of TESSERA_TEST_PG, transaction mode, one
 * server connection per (database, role): any session state a request leaves behind on its
 * connection would meet the next request of the same tenant (test/pooler.e2e-spec.ts looks).
 */
export function startTestPgBouncer(): Promise<string> {
  return once('pgbouncer', async () => {
    const settings = { defaultPoolSize: 1, maxDbConnections: 2, serverIdleTimeout: 5 };
    const bouncer = await startPgBouncer({ serverUrl: process.env.TESSERA_TEST_PG!, ...settings });
    servers().stops.unshift(() => bouncer.stop()); // before the PostgreSQL behind it
    const described: TestPgBouncer = {
      host: bouncer.host,
      port: bouncer.port,
      adminUrl: bouncer.adminUrl,
      ...settings,
    };
    process.env.TESSERA_TEST_PGBOUNCER = JSON.stringify(described);
    return `PgBouncer on port ${bouncer.port} (transaction mode, default_pool_size 1)`;
  });
}

/** Stops what this run started and removes its folders (once, whichever project's teardown comes first). */
export async function stopTestServers(): Promise<void> {
  const { stops, dirs, ready } = servers();
  for (const stop of stops.splice(0)) await stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const step of Object.keys(ready) as (keyof typeof ready)[]) delete ready[step];
}
