import { ServerCapacity } from '@app/tenancy';
import { Global, Module } from '@nestjs/common';
import { DatabaseAdmin } from './database-admin';
import { DatabaseServers } from './database-servers';
import { MigrationsProcessor } from './migrations.processor';
import { OffboardingProcessor } from './offboarding.processor';
import { Placement } from './placement';
import { ProvisioningProcessor } from './provisioning.processor';
import { RelocationsProcessor } from './relocations.processor';
import { ServerLockdown } from './server-lockdown';
import { SpareDatabases } from './spare-databases';
import { SparesProcessor } from './spares.processor';
import { TemplateDatabases } from './template-databases';
import { TenantFleet } from './tenant-fleet.service';
import { TenantIndexes } from './tenant-indexes';
import { TenantLifecycle } from './tenant-lifecycle.service';
import { TenantMigrator } from './tenant-migrator';
import { TenantOnboarding } from './tenant-onboarding.service';
import { TenantProvisioner } from './tenant-provisioner';
import { TenantRelocator } from './tenant-relocator';

/** Used by the platform API, the CLI and the process entry points. */
const exported = [
  TenantOnboarding,
  TenantLifecycle,
  TenantFleet,
  TenantProvisioner,
  TenantRelocator,
  ServerLockdown,
  SpareDatabases,
  TenantIndexes,
];

/** Its queues; JobProcessors starts them where workers run (API_WORKERS, apps/worker). */
export const FLEET_PROCESSORS = [
  ProvisioningProcessor,
  MigrationsProcessor,
  OffboardingProcessor,
  SparesProcessor,
  RelocationsProcessor,
];

/**
 * The lifecycle of tenant databases: placement, the provisioning saga on template databases (or
 * their spare clones), fleet migrations, suspend/resume/offboard. Holds the servers' admin credentials
 * (DatabaseAdmin), which never leave this module; gives tenancy the servers' capacity.
 */
@Global()
@Module({
  providers: [
    DatabaseServers,
    DatabaseAdmin,
    { provide: ServerCapacity, useExisting: DatabaseAdmin },
    Placement,
    TemplateDatabases,
    TenantMigrator,
    ...exported,
    ...FLEET_PROCESSORS,
  ],
  exports: [ServerCapacity, ...exported],
})
export class FleetModule {}
