export { FleetModule } from './fleet.module';
export { ServerLockdown } from './server-lockdown';
export { TenantFleet } from './tenant-fleet.service';
export type { MigrationResult } from './tenant-fleet.service';
export { TenantLifecycle } from './tenant-lifecycle.service';
export { TenantOnboarding } from './tenant-onboarding.service';
export { TenantProvisioner } from './tenant-provisioner';
