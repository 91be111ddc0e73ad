// The medium tier (services inside a tenant context, no HTTP): PostgreSQL only.
import { startPostgres } from './test-servers';

export default async function mediumSetup(): Promise<void> {
  const started = Date.now();
  const ready = await startPostgres();
  console.log(`\nmedium: ${ready}: ready in ${Date.now() - started} ms`);
}
