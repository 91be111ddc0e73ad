export { CrmModule } from './crm.module';
export { CustomField, CustomFieldSchema } from './custom-fields/custom-field.entity';
export { CustomFieldsModule } from './custom-fields/custom-fields.module';
export { TenantOpenApi } from './custom-fields/tenant-openapi';
export { Deal } from './deals/deal.entity';
export { DEAL_EVENT_SOURCE, LEAD_EVENT_SOURCE } from './event-sources';
export { Lead } from './leads/lead.entity';
export { CRM_TENANT_MIGRATIONS } from './migrations';
export { DealStageHistory, LeadStatusHistory } from './analytics/history.entity';
export { LeadScoreModel } from './analytics/lead-score-model.entity';
export { AnalyticsModule } from './analytics/analytics.module';
export { LeadScoreService } from './analytics/lead-score.service';
export { LeadScoreSchedule } from './analytics/lead-score.schedule';
/** The history backfill of existing records, as the migration runs it (its test replays it). */
export { HISTORY_BACKFILL } from './migrations/Migration20261208002106';
