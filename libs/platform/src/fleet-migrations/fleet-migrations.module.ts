import { AuthModule } from '@app/auth';
import { Module } from '@nestjs/common';
import { FleetMigrationsController } from './fleet-migrations.controller';
import { FleetMigrationsService } from './fleet-migrations.service';

@Module({
  imports: [AuthModule],
  controllers: [FleetMigrationsController],
  providers: [FleetMigrationsService],
})
export class FleetMigrationsModule {}
