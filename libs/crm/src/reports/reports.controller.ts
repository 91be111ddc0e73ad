import { ApiAnswer } from '@app/common';
import { Access, MANAGERS } from '@app/auth';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags, ApiOperation } from '@nestjs/swagger';
import { ReportsService, SalesSummary } from './reports.service';
import { SalesSummaryQuery } from './sales-summary.query';

@ApiTags('reports')
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @ApiOperation({ operationId: 'getSalesSummary', summary: 'Sales summary per stage and currency' })
  @ApiAnswer(200, SalesSummary)
  @Access({ roles: MANAGERS, apiKeyScope: 'reports:read' })
  @Get('sales-summary')
  salesSummary(@Query() query: SalesSummaryQuery): Promise<SalesSummary> {
    return this.reports.salesSummary(query);
  }
}
