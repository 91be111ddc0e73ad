// The e2e tier (HTTP through the whole API in this process): PostgreSQL and a second server
// for placement. No Redis, no build: those suites are the e2e-stack tier (stack-setup.ts).
import { startPostgres, startSecondPostgres } from './test-servers';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const ready = [await startPostgres(), await startSecondPostgres()];
  console.log(`\ne2e: ${ready.join(', ')}: ready in ${Date.now() - started} ms`);
}
