import { describeError } from '@app/common';
import { Logger } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import {
  EnqueueOptions,
  JobEnvelope,
  JobHandler,
  JobQueue,
  PermanentJobError,
  QueueCounts,
  QueueName,
} from './job-queue';

/** The queues on Redis (Bull): shared by every API and worker process; a stalled job is retried. */
export class BullJobQueue extends JobQueue {
  readonly driver = 'bull' as const;
  private readonly logger = new Logger('Jobs');

  constructor(private readonly queues: Record<QueueName, Queue>) {
    super();
    // wait() listens on the queue once per job being awaited (a fleet run awaits hundreds).
    for (const queue of Object.values(queues)) queue.setMaxListeners(0);
  }

  /** The Bull queues themselves (for the queues board). */
  bullQueues(): Queue[] {
    return Object.values(this.queues);
  }

  async enqueue<T>(queue: QueueName, envelope: JobEnvelope<T>, options: EnqueueOptions = {}): Promise<string> {
    const job = await this.queues[queue].add(envelope, {
      jobId: options.jobId ?? randomUUID(),
      attempts: options.attempts ?? 1,
      backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
      ...(options.delayMs && { delay: options.delayMs }),
      removeOnComplete: 1000,
      removeOnFail: 5000,
    });
    return String(job.id);
  }

  handle<T>(queue: QueueName, concurrency: number, handler: JobHandler<T>): void {
    void this.queues[queue].process(concurrency, async (job: Job<JobEnvelope<T>>) => {
      const attempts = job.opts.attempts ?? 1;
      const attempt = job.attemptsMade + 1;
      try {
        return await this.timed(queue, () =>
          handler(job.data, { id: String(job.id), attempt, attempts, final: attempt >= attempts }),
        );
      } catch (error) {
        if (error instanceof PermanentJobError) await job.discard();
        this.logger.warn(
          `${queue} job ${job.id} (tenant ${job.data.tenant}) attempt ${attempt}/${attempts} failed: ${describeError(error)}`,
        );
        // Bull keeps the reason and stack in Redis (and shows them on the queues board): described, no values.
        throw new Error(describeError(error));
      }
    });
  }

  async wait(queue: QueueName, jobId: string): Promise<unknown> {
    const job = await this.queues[queue].getJob(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    return job.finished();
  }

  async counts(): Promise<Record<QueueName, QueueCounts>> {
    const entries = await Promise.all(
      Object.entries(this.queues).map(async ([name, queue]) => {
        const c = await queue.getJobCounts();
        return [name, { waiting: c.waiting, active: c.active, delayed: c.delayed, failed: c.failed }] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<QueueName, QueueCounts>;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.close().catch(() => undefined)));
  }
}
