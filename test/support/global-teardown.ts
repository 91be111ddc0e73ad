import { stopTestServers } from './test-servers';

/** Every tier's teardown: stops the servers the run started (the first call does it all). */
export default async function globalTeardown(): Promise<void> {
  await stopTestServers();
}
