// The e2e-pooler tier: the isolation and CRUD suites again, with the tenants' request traffic
// through a real PgBouncer (transaction mode) in front of the test PostgreSQL.
import { startPostgres, startTestPgBouncer } from './test-servers';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const ready = [await startPostgres(), await startTestPgBouncer()];
  console.log(`\ne2e-pooler: ${ready.join(', ')}: ready in ${Date.now() - started} ms`);
}
