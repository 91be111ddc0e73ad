export * from './health/health.module';
export * from './tenants/platform-tenants.module';
export * from './tenants/dto/create-tenant.dto';
export * from './tenants/platform-tenants.service';
export * from './tenants/tenant.view';
export * from './queues/queues-board';
export * from './metrics/metrics.module';
export * from './metrics/metrics.service';
