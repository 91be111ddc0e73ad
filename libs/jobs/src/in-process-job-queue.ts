import { describeError } from '@app/common';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  EnqueueOptions,
  JobEnvelope,
  JobHandler,
  JobQueue,
  PermanentJobError,
  QUEUE_NAMES,
  QueueCounts,
  QueueName,
} from './job-queue';

interface Job {
  id: string;
  queue: QueueName;
  envelope: JobEnvelope<unknown>;
  attempts: number;
  backoffMs: number;
  attempt: number;
  state: 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';
  done: Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  handler?: JobHandler<unknown>;
  concurrency: number;
  active: number;
  waiting: Job[];
}

const KEEP_FINISHED = 1000;

/** The queues without Redis: jobs run in this process, with Bull's retry semantics. */
export class InProcessJobQueue extends JobQueue {
  readonly driver = 'in-process' as const;
  private readonly logger = new Logger('Jobs');
  private readonly lanes = new Map<QueueName, Lane>(
    QUEUE_NAMES.map((q) => [q, { concurrency: 1, active: 0, waiting: [] }]),
  );
  private readonly jobs = new Map<string, Job>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  enqueue<T>(queue: QueueName, envelope: JobEnvelope<T>, options: EnqueueOptions = {}): Promise<string> {
    return new Promise((resolve) => resolve(this.add(queue, envelope, options))); // a throw rejects, as from an async method
  }

  handle<T>(queue: QueueName, concurrency: number, handler: JobHandler<T>): void {
    const lane = this.lane(queue);
    lane.handler = handler as JobHandler<unknown>;
    lane.concurrency = Math.max(1, concurrency);
    this.pump(queue);
  }

  wait(_queue: QueueName, jobId: string): Promise<unknown> {
    const job = this.jobs.get(jobId);
    return job ? job.done : Promise.reject(new Error(`no job ${jobId}`));
  }

  counts(): Promise<Record<QueueName, QueueCounts>> {
    return new Promise((resolve) => resolve(this.tally())); // a throw rejects, as from an async method
  }

  /** Adds a job (or finds the same one still waiting or running) and returns its id. */
  private add<T>(queue: QueueName, envelope: JobEnvelope<T>, options: EnqueueOptions): string {
    const id = options.jobId ?? randomUUID();
    const existing = this.jobs.get(id);
    if (existing && !['completed', 'failed'].includes(existing.state)) return id;
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => undefined); // a failure is reported through wait(); nobody has to listen
    const job: Job = {
      id,
      queue,
      envelope,
      attempts: options.attempts ?? 1,
      backoffMs: options.backoffMs ?? 1000,
      attempt: 0,
      state: 'waiting',
      done,
      resolve,
      reject,
    };
    this.jobs.set(id, job);
    this.trim();
    if (options.delayMs) this.later(job, options.delayMs);
    else {
      this.lane(queue).waiting.push(job);
      this.pump(queue);
    }
    return id;
  }

  private tally(): Record<QueueName, QueueCounts> {
    const counts = Object.fromEntries(
      QUEUE_NAMES.map((q) => [q, { waiting: 0, active: 0, delayed: 0, failed: 0 }]),
    ) as Record<QueueName, QueueCounts>;
    for (const job of this.jobs.values()) {
      if (job.state === 'waiting' || job.state === 'active' || job.state === 'delayed' || job.state === 'failed')
        counts[job.queue][job.state]++;
    }
    return counts;
  }

  /** Stops taking jobs. A job waiting or waiting to retry ends as failed (its waiters learn it); running ones finish. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const job of this.jobs.values()) {
      if (job.state !== 'waiting' && job.state !== 'delayed') continue;
      job.state = 'failed';
      job.reject(new Error(`the queue closed before ${job.queue} job ${job.id} ran${job.attempt ? ' again' : ''}`));
    }
    for (const lane of this.lanes.values()) lane.waiting.length = 0;
    const running = [...this.jobs.values()]
      .filter((j) => j.state === 'active')
      .map((j) => j.done.catch(() => undefined));
    await Promise.all(running);
  }

  private lane(queue: QueueName): Lane {
    return this.lanes.get(queue)!;
  }

  private pump(queue: QueueName): void {
    const lane = this.lane(queue);
    while (!this.closed && lane.handler && lane.active < lane.concurrency && lane.waiting.length) {
      void this.run(lane, lane.waiting.shift()!);
    }
  }

  private async run(lane: Lane, job: Job): Promise<void> {
    lane.active++;
    job.state = 'active';
    job.attempt++;
    const final = job.attempt >= job.attempts;
    try {
      const result = await this.timed(job.queue, () =>
        lane.handler!(job.envelope, { id: job.id, attempt: job.attempt, attempts: job.attempts, final }),
      );
      job.state = 'completed';
      job.resolve(result);
    } catch (error) {
      if (final || error instanceof PermanentJobError || this.closed) {
        job.state = 'failed';
        this.logger.warn(`${job.queue} job ${job.id} (tenant ${job.envelope.tenant}) failed: ${describeError(error)}`);
        job.reject(error);
      } else {
        this.later(job, job.backoffMs * 2 ** (job.attempt - 1));
      }
    } finally {
      lane.active--;
      this.pump(job.queue);
    }
  }

  /** Puts the job back in its lane after `ms` (a delayed first run, or a retry's backoff). */
  private later(job: Job, ms: number): void {
    job.state = 'delayed';
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      job.state = 'waiting';
      this.lane(job.queue).waiting.push(job);
      this.pump(job.queue);
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private trim(): void {
    if (this.jobs.size <= KEEP_FINISHED * 2) return;
    for (const [id, job] of this.jobs) {
      if (this.jobs.size <= KEEP_FINISHED) break;
      if (job.state === 'completed' || job.state === 'failed') this.jobs.delete(id);
    }
  }
}
