export { FLEET_JOB, JobQueue, PermanentJobError, QUEUE_NAMES } from './job-queue';
export type { JobContext, JobEnvelope } from './job-queue';
export { JobsModule } from './jobs.module';
export { BullJobQueue } from './bull-job-queue';
export { JobProcessor, JobProcessors } from './job-processor';
export type { JobProcessorHandler } from './job-processor';
