import 'reflect-metadata';
import { openCatalogDatabase } from '@app/catalog';
import { boundedShutdownStep, createLogger, describeError, onShutdownSignal, PinoNestLogger, runMain } from '@app/common';
import { loadAppConfig } from '@app/config';
import { TenantFleet, TenantOnboarding } from '@app/tenancy';
import { Logger } from '@nestjs/common';
import { createApiApp, prepareCatalog } from './api.app';

runMain('tessera', async () => {
  const started = Date.now();
  const config = loadAppConfig();
  Logger.overrideLogger(config.logLevel === 'silent' ? false : new PinoNestLogger(createLogger(config.logLevel)));
  const logger = new Logger('Tessera');
  const catalog = await openCatalogDatabase(config, (line) => logger.log(line));
  const app = await createApiApp(config, catalog.url);
  await prepareCatalog(app, config, catalog.url, (line) => logger.log(line));
  await app.listen({ port: config.port, host: '0.0.0.0' });
  const resumed = await app.get(TenantOnboarding).resumeUnfinished();
  if (resumed) logger.log(`queued ${resumed} unfinished onboarding(s)`);
  if (config.migrateOnStart) {
    // Tenants behind this code's schema answer 503 tenant-migrating until their migration job ran.
    void app
      .get(TenantFleet)
      .migrateAll(4, (r) => logger.log(`tenant ${r.slug} migrated ${r.from ?? 'none'} → ${r.to ?? '?'}: ${r.ok ? 'ok' : r.error}`), true)
      .catch((error: Error) => logger.error(`migrating tenants behind failed: ${describeError(error)}`));
  }
  logger.log(`Tessera API listening on http://127.0.0.1:${config.port} (ready in ${Date.now() - started} ms)`);
  const timeoutMs = config.shutdownTimeoutMs;
  onShutdownSignal(
    async (signal) => {
      logger.log(`${signal}: shutting down`);
      // Each step is bounded (and logged when given up on); the embedded server keeps the last second.
      await boundedShutdownStep('the API (in-flight requests, shutdown hooks)', () => app.close(), Math.max(timeoutMs / 2, timeoutMs - 1500));
      if (catalog.embedded) await boundedShutdownStep('embedded PostgreSQL', () => catalog.embedded!.stop(), timeoutMs);
    },
    { timeoutMs, log: (line) => logger.warn(line) },
  );
});
