export * from './job-queue';
export * from './jobs.module';
export * from './in-process-job-queue';
export * from './bull-job-queue';
export * from './job-processor';
