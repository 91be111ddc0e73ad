export const QUEUE_NAMES = [
  'provisioning',
  'migrations',
  'offboarding',
  'spares',
  'relocations',
  'exports',
  'privacy',
  'events',
  'webhooks',
  'custom-fields',
  'analytics',
] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/**
 * Every job names its tenant (slug and id) and carries the correlation id of what caused it. Upkeep
 * of a database server that belongs to no tenant (the `spares` queue) names `FLEET_JOB` instead.
 */
export interface JobEnvelope<T = Record<string, unknown>> {
  tenant: string;
  tenantId: string;
  correlationId: string;
  data: T;
}

/** The tenant fields of a job about no tenant: the upkeep of a database server (its spare databases). */
export const FLEET_JOB = { tenant: '*', tenantId: '*' } as const;

export interface JobContext {
  id: string;
  /** 1 on the first run. */
  attempt: number;
  attempts: number;
  /** No retry follows if this run fails. */
  final: boolean;
}

export type JobHandler<T = Record<string, unknown>> = (job: JobEnvelope<T>, context: JobContext) => Promise<unknown>;

export interface EnqueueOptions {
  /** A job with the same id waiting or running is not added twice. */
  jobId?: string;
  attempts?: number;
  /** First retry delay; doubles on each retry. */
  backoffMs?: number;
  /** The job waits this long before its first run. */
  delayMs?: number;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** A failure no retry can fix (unknown or mismatched tenant): the job ends at once. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/**
 * The queues of Tessera: Bull on Redis when REDIS_URL is set, else an in-process driver with
 * the same semantics (attempts, exponential backoff, job-id dedupe), like a `sync` driver.
 */
export type JobListener = (queue: QueueName, seconds: number, ok: boolean) => void;

export abstract class JobQueue {
  abstract readonly driver: 'bull' | 'in-process';
  private readonly listeners: JobListener[] = [];

  /** Called after every run of a job handled in this process (for metrics). */
  onFinished(listener: JobListener): void {
    this.listeners.push(listener);
  }

  /** Runs a handler and tells the listeners how long it took. */
  protected async timed<T>(queue: QueueName, run: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    let ok = false;
    try {
      const result = await run();
      ok = true;
      return result;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      for (const listener of this.listeners) listener(queue, seconds, ok);
    }
  }

  abstract enqueue<T>(queue: QueueName, job: JobEnvelope<T>, options?: EnqueueOptions): Promise<string>;
  /** Starts processing a queue in this process (only where workers run). */
  abstract handle<T>(queue: QueueName, concurrency: number, handler: JobHandler<T>): void;
  /** Resolves with the job's result once it completed, rejects once it failed for good. */
  abstract wait(queue: QueueName, jobId: string): Promise<unknown>;
  abstract counts(): Promise<Record<QueueName, QueueCounts>>;
  /** Stops taking jobs and lets running ones finish. */
  abstract close(): Promise<void>;
}
