import { Access, SUPER_ADMINS } from '@app/auth';
import { ApiPage, type Page, PageQueryDto } from '@app/common';
import { WithoutTenant } from '@app/tenancy';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServerView } from './server.view';
import { ServersService } from './servers.service';

@ApiTags('platform')
@WithoutTenant()
@Access({ roles: SUPER_ADMINS })
@Controller('platform/servers')
export class ServersController {
  constructor(private readonly servers: ServersService) {}

  @ApiOperation({
    operationId: 'listServers',
    summary: "Database servers: tags, capacity, tenants, pooler, and this instance's pools and connections",
  })
  @ApiPage(ServerView)
  @Get()
  list(@Query() query: PageQueryDto): Promise<Page<ServerView>> {
    return this.servers.list(query);
  }
}
