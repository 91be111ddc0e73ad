export { CrmModule } from './crm.module';
export { Deal } from './deals/deal.entity';
export { Lead } from './leads/lead.entity';
export { CRM_TENANT_MIGRATIONS } from './migrations';
export { DealStageHistory, LeadStatusHistory } from './analytics/history.entity';
export { LeadScoreModel } from './analytics/lead-score-model.entity';
export { AnalyticsModule } from './analytics/analytics.module';
export { LeadScoreService } from './analytics/lead-score.service';
export { LeadScoreSchedule } from './analytics/lead-score.schedule';
