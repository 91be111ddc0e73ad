import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsService } from './analytics.service';
import { LeadScoreController } from './lead-score.controller';
import { DEFAULT_LEAD_SCORE_OPTIONS, LEAD_SCORE_OPTIONS } from './lead-score.options';
import { LeadScoreProcessor } from './lead-score.processor';
import { LeadScoreSchedule } from './lead-score.schedule';
import { LeadScoreService } from './lead-score.service';

/**
 * Analytics from the stage and status history (pipeline, funnel, win rate, forecast) and the
 * tenant's lead score model, trained by the `analytics` queue (lead-score.processor.ts) on demand
 * and nightly (lead-score.schedule.ts).
 */
@Module({
  controllers: [AnalyticsController, LeadScoreController],
  providers: [
    AnalyticsService,
    LeadScoreService,
    LeadScoreProcessor,
    LeadScoreSchedule,
    { provide: LEAD_SCORE_OPTIONS, useValue: DEFAULT_LEAD_SCORE_OPTIONS },
  ],
})
export class AnalyticsModule {}
