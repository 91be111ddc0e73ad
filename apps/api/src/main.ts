import 'reflect-metadata';
import { openCatalogDatabase } from '@app/catalog';
import { ConfigError, loadAppConfig } from '@app/config';
import { TenantOnboarding } from '@app/tenancy';
import { Logger } from '@nestjs/common';
import { createApiApp, prepareCatalog } from './api.app';

async function main(): Promise<void> {
  const started = Date.now();
  const config = loadAppConfig();
  const logger = new Logger('Tessera');
  const catalog = await openCatalogDatabase(config, (line) => logger.log(line));
  const app = await createApiApp(config, catalog.url);
  await prepareCatalog(app, config, catalog.url, (line) => logger.log(line));
  await app.listen({ port: config.port, host: '0.0.0.0' });
  const resumed = await app.get(TenantOnboarding).resumeUnfinished();
  if (resumed) logger.log(`resumed provisioning of ${resumed} tenant(s)`);
  logger.log(`Tessera API listening on http://127.0.0.1:${config.port} (ready in ${Date.now() - started} ms)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down`);
    await app.close();
    await catalog.embedded?.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  // One clear line, never a stack trace, for configuration and connection problems.
  const text = error instanceof ConfigError ? error.message : `start-up failed: ${(error as Error)?.message ?? String(error)}`;
  const message = text.split('\n')[0];
  process.stderr.write(`tessera: ${message}\n`);
  process.exit(1);
});
