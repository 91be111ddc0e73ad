// Gives the end-to-end suites a PostgreSQL server: DATABASE_URL's when set, else an embedded
// one on a free port in a throw-away folder. Suites read TESSERA_TEST_PG (an admin URL).
// eslint-disable-next-line no-restricted-imports -- jest global setup runs outside the module mapper
import { startEmbeddedPostgres } from '../../libs/catalog/src/embedded-postgres';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    process.env.TESSERA_TEST_PG = url.toString();
    console.log(`\ne2e: using the PostgreSQL server of DATABASE_URL (${url.host})`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  const started = Date.now();
  const pg = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), persistent: false });
  (globalThis as Record<string, unknown>).__TESSERA_PG__ = {
    stop: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  process.env.TESSERA_TEST_PG = pg.url;
  console.log(`\ne2e: no DATABASE_URL, started an embedded PostgreSQL in ${Date.now() - started} ms`);
}
