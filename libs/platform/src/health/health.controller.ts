import { Public } from '@app/auth';
import { WithoutTenant } from '@app/tenancy';
import { Controller, Get } from '@nestjs/common';
import { ApiTags, ApiOperation } from '@nestjs/swagger';
import { HealthService, Readiness } from './health.service';

@ApiTags('operations')
@Public()
@WithoutTenant()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness probe' })
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @ApiOperation({ operationId: 'getReadiness', summary: 'Readiness probe (catalog, queues)' })
  @Get('ready')
  ready(): Promise<Readiness> {
    return this.health.ready();
  }
}
