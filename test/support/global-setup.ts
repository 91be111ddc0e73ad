// Gives the end-to-end suites their servers:
// - PostgreSQL: DATABASE_URL's when set, else an embedded one (TESSERA_TEST_PG, an admin URL);
// - a second, embedded PostgreSQL for placement on another server (TESSERA_TEST_PG2);
// - Redis: REDIS_URL, else the local server at 127.0.0.1:6379 (TESSERA_TEST_REDIS);
// - a build of the apps (dist/), for the suites that run a real worker process.
// eslint-disable-next-line no-restricted-imports -- jest global setup runs outside the module mapper
import { startEmbeddedPostgres } from '../../libs/catalog/src/embedded-postgres';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { freePort } from './wait';

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

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const stops: (() => Promise<void>)[] = [];
  const dirs: string[] = [];
  const embedded = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
    dirs.push(dir);
    const pg = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), persistent: false });
    stops.push(() => pg.stop());
    return pg.url;
  };
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    process.env.TESSERA_TEST_PG = url.toString();
  } else {
    process.env.TESSERA_TEST_PG = await embedded();
  }
  process.env.TESSERA_TEST_PG2 = await embedded();
  const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!(await redisAnswers(redis))) {
    throw new Error(`e2e: no Redis answers at ${redis}; start one (redis-server) or set REDIS_URL`);
  }
  process.env.TESSERA_TEST_REDIS = redis;
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  (globalThis as Record<string, unknown>).__TESSERA_E2E__ = {
    stop: async () => {
      for (const stop of stops) await stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  console.log(`\ne2e: PostgreSQL ${process.env.DATABASE_URL ? 'of DATABASE_URL' : 'embedded'}, a second embedded PostgreSQL, Redis at ${redis}, build: ready in ${Date.now() - started} ms`);
}
