import { AuthModule } from '@app/auth';
import { Module } from '@nestjs/common';
import { PlatformImpersonationsController } from './platform-impersonations.controller';
import { PlatformTenantsController } from './platform-tenants.controller';
import { PlatformTenantsService } from './platform-tenants.service';
import { TenantEntry } from './tenant-entry';

@Module({
  imports: [AuthModule],
  controllers: [PlatformTenantsController, PlatformImpersonationsController],
  providers: [PlatformTenantsService, TenantEntry],
  exports: [PlatformTenantsService],
})
export class PlatformTenantsModule {}
