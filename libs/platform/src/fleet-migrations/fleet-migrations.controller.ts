import { Access, CurrentUser, type Principal, SUPER_ADMINS } from '@app/auth';
import { ApiAnswer, ApiProblems, Located } from '@app/common';
import { WithoutTenant } from '@app/tenancy';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { StartFleetMigrationDto } from './dto/start-fleet-migration.dto';
import { FleetMigrationRunView, FleetMigrationsView } from './fleet-migration.view';
import { FleetMigrationsService } from './fleet-migrations.service';

@ApiTags('platform')
@WithoutTenant()
@Access({ roles: SUPER_ADMINS })
@Controller('platform/migrations')
export class FleetMigrationsController {
  constructor(private readonly migrations: FleetMigrationsService) {}

  @ApiOperation({
    operationId: 'getFleetMigrations',
    summary: 'Fleet schema status: tenants per version, behind, failed (with errors), the last run',
  })
  @ApiAnswer(200, FleetMigrationsView)
  @Get()
  status(): Promise<FleetMigrationsView> {
    return this.migrations.status();
  }

  @ApiOperation({
    operationId: 'startFleetMigration',
    summary: 'Migrate every tenant behind the latest version (in the background; progress at GET)',
  })
  @ApiAnswer(202, FleetMigrationRunView, { located: true, description: 'Accepted: the run goes on in the background' })
  @ApiProblems({ 409: 'A fleet migration is running' })
  @Post()
  @HttpCode(202)
  @Located(() => '/platform/migrations')
  start(@Body() dto: StartFleetMigrationDto, @CurrentUser() user: Principal): Promise<FleetMigrationRunView> {
    return this.migrations.start(user.sub, dto.perServer);
  }
}
