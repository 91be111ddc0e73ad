export { CrmModule } from './crm.module';
export { Deal } from './deals/deal.entity';
export { DEAL_EVENT_SOURCE, LEAD_EVENT_SOURCE } from './event-sources';
export { Lead } from './leads/lead.entity';
export { CRM_TENANT_MIGRATIONS } from './migrations';
