import { AppConfig } from '@app/config';
import { BullModule, getQueueToken } from '@nestjs/bull';
import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import type { Queue } from 'bull';
import { BullJobQueue } from './bull-job-queue';
import { InProcessJobQueue } from './in-process-job-queue';
import { JobQueue, QUEUE_NAMES, QueueName } from './job-queue';

@Injectable()
class JobQueueCloser implements OnApplicationShutdown {
  constructor(@Inject(JobQueue) private readonly queue: JobQueue) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}

/** Queue registration: Bull on Redis when REDIS_URL is set, the in-process driver otherwise. */
@Module({})
export class JobsModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.redisUrl) {
      return {
        module: JobsModule,
        global: true,
        providers: [{ provide: JobQueue, useFactory: () => new InProcessJobQueue() }, JobQueueCloser],
        exports: [JobQueue],
      };
    }
    const provider: Provider = {
      provide: JobQueue,
      inject: QUEUE_NAMES.map((name) => getQueueToken(name)),
      useFactory: (...queues: Queue[]) => new BullJobQueue(Object.fromEntries(QUEUE_NAMES.map((name, i) => [name, queues[i]])) as Record<QueueName, Queue>),
    };
    return {
      module: JobsModule,
      global: true,
      imports: [
        BullModule.forRoot({
          url: config.redisUrl,
          prefix: `tessera:${config.tenantDbPrefix}`,
          // A killed worker's job is moved back to waiting once its lock lapses.
          settings: { lockDuration: config.jobsLockMs, stalledInterval: config.jobsLockMs, maxStalledCount: 3 },
        }),
        BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
      ],
      providers: [provider, JobQueueCloser],
      exports: [JobQueue],
    };
  }
}

