import { Access, COMPANY_ADMINS } from '@app/auth';
import { ApiPage, Page } from '@app/common';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags, ApiOperation } from '@nestjs/swagger';
import { AuditLogsService, AuditLogView } from './audit-logs.service';
import { ListAuditLogsQuery } from './dto/list-audit-logs.query';

@ApiTags('audit')
@Access({ roles: COMPANY_ADMINS })
@Controller('audit-logs')
export class AuditLogsController {
  constructor(private readonly logs: AuditLogsService) {}

  @ApiOperation({ operationId: 'listAuditLogs', summary: 'List audit trail entries' })
  @ApiPage(AuditLogView)
  @Get()
  list(@Query() query: ListAuditLogsQuery): Promise<Page<AuditLogView>> {
    return this.logs.list(query);
  }
}
