import { ApiKeyScope, Roles } from '@app/auth';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ReportsService, SalesSummary } from './reports.service';
import { SalesSummaryQuery } from './sales-summary.query';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Roles('company_admin', 'manager')
  @ApiKeyScope('reports:read')
  @Get('sales-summary')
  salesSummary(@Query() query: SalesSummaryQuery): Promise<SalesSummary> {
    return this.reports.salesSummary(query);
  }
}
