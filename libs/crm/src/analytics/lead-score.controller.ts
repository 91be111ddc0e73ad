import { Access, CurrentUser, MANAGERS, TENANT_USERS, type Principal } from '@app/auth';
import { ApiAnswer, ApiProblems, PathId } from '@app/common';
import { PlanFeatureRoute } from '@app/tenancy';
import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { LeadScoreService } from './lead-score.service';
import { LeadScoreTraining, LeadScoreView } from './lead-score.views';
import { NO_OPTIONS_SCHEMA, NoOptionsPipe } from './no-options.pipe';

@ApiTags('analytics')
@PlanFeatureRoute('analytics')
@Controller()
export class LeadScoreController {
  constructor(private readonly leadScore: LeadScoreService) {}

  @ApiOperation({ operationId: 'getLeadScore', summary: "A lead's score by the tenant's model, with its top factors" })
  @ApiAnswer(200, LeadScoreView)
  @ApiProblems({ 409: 'No model yet: too few converted and lost leads (`…/insufficient-data`)' })
  @Access({ roles: TENANT_USERS, apiKeyScope: 'leads:read' })
  @Get('leads/:id/score')
  score(@CurrentUser() user: Principal, @PathId() id: string): Promise<LeadScoreView> {
    return this.leadScore.score(user, id);
  }

  @ApiOperation({ operationId: 'trainLeadScoreModel', summary: "Train the tenant's lead score model now (a job)" })
  @ApiAnswer(202, LeadScoreTraining)
  @ApiProblems({ 409: 'Too few converted and lost leads to train on (`…/insufficient-data`)' })
  @ApiBody({ schema: NO_OPTIONS_SCHEMA, required: false, description: 'No options: absent or `{}`' })
  @Access({ roles: MANAGERS })
  @Post('analytics/models/lead-score/train')
  @HttpCode(202)
  train(
    @Body(NoOptionsPipe) _options: Record<string, never>,
    @Req() request: FastifyRequest,
  ): Promise<LeadScoreTraining> {
    return this.leadScore.requestTraining(String(request.id));
  }
}
