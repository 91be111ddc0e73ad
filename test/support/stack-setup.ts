// The e2e-stack tier: suites that need Redis (Bull, shared caches) or the build (a real API,
// worker or CLI process, or a PostgreSQL of their own through pg-server.mjs).
import { buildApps, requireRedis, startPostgres, startSecondPostgres } from './test-servers';

export default async function stackSetup(): Promise<void> {
  const started = Date.now();
  const ready = [await startPostgres(), await startSecondPostgres(), await requireRedis(), await buildApps()];
  console.log(`\ne2e-stack: ${ready.join(', ')}: ready in ${Date.now() - started} ms`);
}
