import { AuthModule } from '@app/auth';
import { Module } from '@nestjs/common';
import { PlatformPlansController, PlatformTenantPlanController, UsageController } from './plans.controller';
import { PlansService } from './plans.service';
import { TenantEntry } from '../tenants/tenant-entry';

@Module({
  imports: [AuthModule],
  controllers: [PlatformPlansController, PlatformTenantPlanController, UsageController],
  providers: [PlansService, TenantEntry],
  exports: [PlansService],
})
export class PlansModule {}
