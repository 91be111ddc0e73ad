import { Access, MANAGERS } from '@app/auth';
import { ApiAnswer } from '@app/common';
import { PlanFeatureRoute } from '@app/tenancy';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AnalyticsPeriodQuery, NoParametersPipe, PipelineQuery, WinRateQuery } from './analytics.query';
import { AnalyticsService } from './analytics.service';
import { ForecastReport, FunnelReport, PipelineReport, WinRateReport } from './analytics.views';

@ApiTags('analytics')
@Access({ roles: MANAGERS, apiKeyScope: 'reports:read' })
@PlanFeatureRoute('analytics')
@Controller('analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @ApiOperation({
    operationId: 'getPipeline',
    summary: 'The pipeline per stage as it stood at the end of each interval',
  })
  @ApiAnswer(200, PipelineReport)
  @Get('pipeline')
  pipeline(@Query() query: PipelineQuery): Promise<PipelineReport> {
    return this.analytics.pipeline(query);
  }

  @ApiOperation({
    operationId: 'getFunnel',
    summary: 'Leads created in a period: steps reached, conversion, median days',
  })
  @ApiAnswer(200, FunnelReport)
  @Get('funnel')
  funnel(@Query() query: AnalyticsPeriodQuery): Promise<FunnelReport> {
    return this.analytics.funnel(query);
  }

  @ApiOperation({
    operationId: 'getWinRate',
    summary: 'Won / (won + lost) of deals closed in a period, by count and amount',
  })
  @ApiAnswer(200, WinRateReport)
  @Get('win-rate')
  winRate(@Query() query: WinRateQuery): Promise<WinRateReport> {
    return this.analytics.winRate(query);
  }

  @ApiOperation({
    operationId: 'getForecast',
    summary: "Open deals × the tenant's historical win rate from their stage",
  })
  @ApiAnswer(200, ForecastReport)
  @Get('forecast')
  forecast(@Query(NoParametersPipe) _query: Record<string, never>): Promise<ForecastReport> {
    return this.analytics.forecast();
  }
}
