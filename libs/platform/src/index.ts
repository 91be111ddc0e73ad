export * from './health/health.module';
export * from './tenants/platform-tenants.module';
