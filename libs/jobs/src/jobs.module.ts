import { boundedShutdownStep } from '@app/common';
import { AppConfig } from '@app/config';
import { BullModule, getQueueToken } from '@nestjs/bull';
import { BeforeApplicationShutdown, DynamicModule, Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { Queue } from 'bull';
import { BullJobQueue } from './bull-job-queue';
import { InProcessJobQueue } from './in-process-job-queue';
import { JobProcessors } from './job-processor';
import { JobQueue, QUEUE_NAMES, QueueName } from './job-queue';

/**
 * Closes the queues before any `onApplicationShutdown` hook: a job still running (a spare's clone,
 * an onboarding) finishes with the catalog ORM, the database admin pools and Redis still open, which
 * close in that later phase. (The API's listener is closed before the application is: drainBeforeClose.)
 */
class JobQueueCloser implements BeforeApplicationShutdown {
  constructor(
    private readonly queue: JobQueue,
    private readonly boundMs: number,
  ) {}

  /** Bull waits for active jobs and for Redis; neither may hold the process past its bound. */
  async beforeApplicationShutdown(): Promise<void> {
    await boundedShutdownStep('job queues (active jobs, Redis)', () => this.queue.close(), this.boundMs);
  }
}

const closer = (config: AppConfig): Provider => ({
  provide: JobQueueCloser,
  inject: [JobQueue],
  useFactory: (queue: JobQueue) => new JobQueueCloser(queue, config.shutdownTimeoutMs / 2),
});

/** Queue registration: Bull on Redis when REDIS_URL is set, the in-process driver otherwise. */
@Module({})
export class JobsModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.redisUrl) {
      return {
        module: JobsModule,
        global: true,
        imports: [DiscoveryModule],
        providers: [{ provide: JobQueue, useFactory: () => new InProcessJobQueue() }, closer(config), JobProcessors],
        exports: [JobQueue, JobProcessors],
      };
    }
    const provider: Provider = {
      provide: JobQueue,
      inject: QUEUE_NAMES.map((name) => getQueueToken(name)),
      useFactory: (...queues: Queue[]) =>
        new BullJobQueue(
          Object.fromEntries(QUEUE_NAMES.map((name, i) => [name, queues[i]])) as Record<QueueName, Queue>,
        ),
    };
    return {
      module: JobsModule,
      global: true,
      imports: [
        DiscoveryModule,
        BullModule.forRoot({
          url: config.redisUrl,
          prefix: `tessera:${config.tenantDbPrefix}`,
          // A killed worker's job is moved back to waiting once its lock lapses.
          settings: { lockDuration: config.jobsLockMs, stalledInterval: config.jobsLockMs, maxStalledCount: 3 },
        }),
        BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
      ],
      providers: [provider, closer(config), JobProcessors],
      exports: [JobQueue, JobProcessors],
    };
  }
}
