import 'reflect-metadata';
import { openCatalogDatabase } from '@app/catalog';
import { closeOnShutdownSignal, createLogger, describeError, PinoNestLogger, runMain } from '@app/common';
import { loadAppConfig } from '@app/config';
import { SpareDatabases, TenantFleet, TenantOnboarding, TenantRelocator } from '@app/fleet';
import { drainBeforeClose } from '@app/platform';
import { Logger } from '@nestjs/common';
import { createApiApp, prepareCatalog } from './api.app';

runMain('tessera', async () => {
  const started = Date.now();
  const config = loadAppConfig();
  Logger.overrideLogger(config.logLevel === 'silent' ? false : new PinoNestLogger(createLogger(config.logLevel)));
  const logger = new Logger('Tessera');
  // Stopped last, after the drain and the shutdown hooks (closeOnShutdownSignal below), not on the signal.
  const catalog = await openCatalogDatabase(config, (line) => logger.log(line), { callerStopsOnSignal: true });
  const app = await createApiApp(config, catalog.url);
  await prepareCatalog(app, config, catalog.url, (line) => logger.log(line));
  // Taken before the listener opens: a signal right after /health/ready first answers 200 still
  // drains and exits. Out of the load balancer first (SHUTDOWN_DRAIN_MS), then the listener closes and in-flight requests finish.
  const stop = async () => {
    await drainBeforeClose(app, config.shutdownDrainMs, (line) => logger.log(line));
    await app.close();
  };
  closeOnShutdownSignal('the API (drain, in-flight requests, shutdown hooks)', stop, {
    timeoutMs: config.shutdownTimeoutMs,
    after: catalog.embedded && { name: 'embedded PostgreSQL', stop: () => catalog.embedded!.stop() },
    announce: (line) => logger.log(line),
    log: (line) => logger.warn(line),
  });
  await app.listen({ port: config.port, host: '0.0.0.0' });
  const resumed = await app.get(TenantOnboarding).resumeUnfinished();
  if (resumed) logger.log(`queued ${resumed} unfinished onboarding(s)`);
  if (config.workers) {
    app.get(SpareDatabases).keepFilled();
    const relocations = app.get(TenantRelocator);
    const open = await relocations.resumeUnfinished();
    if (open) logger.log(`resumed ${open} relocation(s) under way`);
    relocations.keepDroppingSources();
  }
  if (config.migrateOnStart) {
    // Tenants behind this code's schema answer 503 tenant-migrating until their migration job ran.
    void app
      .get(TenantFleet)
      .migrateAll(
        4,
        (r) => logger.log(`tenant ${r.slug} migrated ${r.from ?? 'none'} → ${r.to ?? '?'}: ${r.ok ? 'ok' : r.error}`),
        true,
      )
      .catch((error: Error) => logger.error(`migrating tenants behind failed: ${describeError(error)}`));
  }
  logger.log(`Tessera API listening on http://127.0.0.1:${config.port} (ready in ${Date.now() - started} ms)`);
});
