import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { JobContext, JobEnvelope, JobQueue, QueueName } from './job-queue';

export interface JobProcessorOptions {
  queue: QueueName;
  /** Jobs of this queue one process runs at once. */
  concurrency: number;
}

/** What a processor class does with one job of its queue. */
export interface JobProcessorHandler<T = Record<string, unknown>> {
  process(job: JobEnvelope<T>, context: JobContext): Promise<unknown>;
}

/**
 * Marks a provider as the handler of one queue (`@JobProcessor({ queue: 'provisioning', concurrency: 4 })`
 * on a class implementing `JobProcessorHandler`). A module lists its processors among its providers;
 * `JobProcessors` starts them in the processes that run workers.
 */
export const JobProcessor = DiscoveryService.createDecorator<JobProcessorOptions>();

export interface RunningProcessor extends JobProcessorOptions {
  processor: string;
}

/** Finds every `@JobProcessor` provider at start-up and, where workers run, hands its queue to it. */
@Injectable()
export class JobProcessors implements OnApplicationBootstrap {
  private readonly logger = new Logger(JobProcessors.name);
  private readonly started: RunningProcessor[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    const seen = new Set<QueueName>();
    for (const wrapper of this.discovery.getProviders({ metadataKey: JobProcessor.KEY })) {
      const options = this.discovery.getMetadataByDecorator(JobProcessor, wrapper);
      const handler = wrapper.instance as JobProcessorHandler | undefined;
      if (!options || !handler || typeof handler.process !== 'function') continue;
      if (seen.has(options.queue)) throw new Error(`two processors for the queue "${options.queue}"`);
      seen.add(options.queue);
      this.jobs.handle<Record<string, unknown>>(options.queue, options.concurrency, (job, context) =>
        handler.process(job, context),
      );
      this.started.push({ ...options, processor: wrapper.name });
    }
    this.logger.log(`processing ${this.started.map((p) => `${p.queue} (${p.concurrency})`).join(', ') || 'no queue'}`);
  }

  /** The processors this process runs (none where workers are off). */
  running(): RunningProcessor[] {
    return [...this.started];
  }
}
