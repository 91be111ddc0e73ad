import { Public } from '@app/auth';
import { WithoutTenant } from '@app/tenancy';
import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthService, Readiness } from './health.service';

@ApiTags('operations')
@Public()
@WithoutTenant()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(): Promise<Readiness> {
    return this.health.ready();
  }
}
