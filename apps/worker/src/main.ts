import 'reflect-metadata';
import { openCatalogDatabase } from '@app/catalog';
import { closeOnShutdownSignal, runMain } from '@app/common';
import { loadAppConfig } from '@app/config';
import { SpareDatabases, TenantOnboarding, TenantRelocator } from '@app/fleet';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from './worker.module';

/**
 * The job process: runs the provisioning, migration and offboarding processors alone, for
 * scale-out (then the API runs with API_WORKERS=false). With Redis, every worker shares the
 * queues and a stalled job of a killed worker goes to the next one.
 */
runMain('tessera-worker', async () => {
  const config = { ...loadAppConfig(), workers: true };
  const logger = new Logger('Worker');
  if (!config.redisUrl)
    logger.warn('no REDIS_URL: this worker only runs jobs it queues itself; the API runs its own in-process');
  // Stopped last, after the drain and the shutdown hooks (closeOnShutdownSignal below), not on the signal.
  const catalog = await openCatalogDatabase(config, (line) => logger.log(line), { callerStopsOnSignal: true });
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, catalog.url), {
    logger: ['fatal', 'error', 'warn', 'log'],
  });
  // Taken before anything is resumed: a signal during start-up still closes the jobs cleanly.
  closeOnShutdownSignal('the worker (running jobs, shutdown hooks)', () => app.close(), {
    timeoutMs: config.shutdownTimeoutMs,
    after: catalog.embedded && { name: 'embedded PostgreSQL', stop: () => catalog.embedded!.stop() },
    announce: (line) => logger.log(line),
    log: (line) => logger.warn(line),
  });
  const resumed = await app.get(TenantOnboarding).resumeUnfinished();
  if (resumed) logger.log(`queued ${resumed} unfinished onboarding(s)`);
  app.get(SpareDatabases).keepFilled();
  const relocations = app.get(TenantRelocator);
  const open = await relocations.resumeUnfinished();
  if (open) logger.log(`resumed ${open} relocation(s) under way`);
  relocations.keepDroppingSources();
  logger.log(`Tessera worker running (${config.redisUrl ? 'Bull on Redis' : 'in-process queues'})`);
});
