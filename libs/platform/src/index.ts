export { HealthModule } from './health/health.module';
export { drainBeforeClose } from './health/drain';
export { PlatformTenantsModule } from './tenants/platform-tenants.module';
export { CreateTenantDto } from './tenants/dto/create-tenant.dto';
export { PlatformTenantsService } from './tenants/platform-tenants.service';
export { mountQueuesBoard } from './queues/queues-board';
export { MetricsModule } from './metrics/metrics.module';
export { MetricsService } from './metrics/metrics.service';
export type { RelocationView } from './tenants/relocation.view';
