import 'reflect-metadata';
import { openCatalogDatabase } from '@app/catalog';
import { onShutdownSignal, runMain } from '@app/common';
import { loadAppConfig } from '@app/config';
import { TenantOnboarding } from '@app/tenancy';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from './worker.module';

const SWEEP_EVERY_MS = 10_000;

/**
 * Until the Bull queues land (issue 5) the worker finishes onboarding that an API process
 * left unfinished (it stopped mid-way): every few seconds it provisions tenants still in
 * `provisioning`. A per-tenant advisory lock keeps it from racing a live API process.
 */
runMain('tessera-worker', async () => {
  const config = loadAppConfig();
  const logger = new Logger('Worker');
  const catalog = await openCatalogDatabase(config, (line) => logger.log(line));
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, catalog.url), { logger: ['fatal', 'error', 'warn', 'log'] });
  const onboarding = app.get(TenantOnboarding);
  const sweep = async () => {
    const resumed = await onboarding.resumeUnfinished().catch((error: Error) => logger.error(`sweep failed: ${error.message}`));
    if (resumed) logger.log(`provisioning ${resumed} unfinished tenant(s)`);
  };
  await sweep();
  const timer = setInterval(() => void sweep(), SWEEP_EVERY_MS);
  logger.log('Tessera worker running');
  onShutdownSignal(async () => {
    clearInterval(timer);
    await app.close();
    await catalog.embedded?.stop();
  });
});
