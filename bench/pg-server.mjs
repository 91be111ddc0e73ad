// The benchmarks' PostgreSQL: BENCH_PG when set, else a throw-away embedded server with room for
// many tenant pools (max_connections 600), so the connection budget, not the server, is the limit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { freePort } from './lib.mjs';

export async function benchServer() {
  if (process.env.BENCH_PG) return { url: process.env.BENCH_PG, stop: async () => undefined };
  const require = createRequire(import.meta.url);
  const { startEmbeddedPostgres } = require('../dist/libs/catalog/src/embedded-postgres.js');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const pg = await startEmbeddedPostgres({
    dataDir: dir,
    port: await freePort(),
    persistent: false,
    maxConnections: 600,
  });
  return {
    url: pg.url,
    stop: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
