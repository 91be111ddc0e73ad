import { ApiAnswer, ApiProblems } from '@app/common';
import { Public } from '@app/auth';
import { WithoutTenant } from '@app/tenancy';
import { Controller, Get } from '@nestjs/common';
import { ApiTags, ApiOperation } from '@nestjs/swagger';
import { HealthService, Liveness, Readiness } from './health.service';

@ApiTags('operations')
@Public()
@WithoutTenant()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness probe' })
  @ApiAnswer(200, Liveness)
  @Get('live')
  live(): Liveness {
    return { status: 'ok' };
  }

  @ApiOperation({ operationId: 'getReadiness', summary: 'Readiness probe (catalog, queues)' })
  @ApiAnswer(200, Readiness)
  @ApiProblems({ 503: 'A dependency does not answer' })
  @Get('ready')
  ready(): Promise<Readiness> {
    return this.health.ready();
  }
}
