import { AuthModule } from '@app/auth';
import { Module } from '@nestjs/common';
import { PlatformTenantsController } from './platform-tenants.controller';
import { PlatformTenantsService } from './platform-tenants.service';

@Module({
  imports: [AuthModule],
  controllers: [PlatformTenantsController],
  providers: [PlatformTenantsService],
  exports: [PlatformTenantsService],
})
export class PlatformTenantsModule {}
