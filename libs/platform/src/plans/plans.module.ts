import { AuthModule } from '@app/auth';
import { Module } from '@nestjs/common';
import { PlatformPlansController, PlatformTenantPlanController, UsageController } from './plans.controller';
import { PlansService } from './plans.service';

@Module({
  imports: [AuthModule],
  controllers: [PlatformPlansController, PlatformTenantPlanController, UsageController],
  providers: [PlansService],
  exports: [PlansService],
})
export class PlansModule {}
