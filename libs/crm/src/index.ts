export { CrmModule } from './crm.module';
export { Deal } from './deals/deal.entity';
export { Lead } from './leads/lead.entity';
export { CRM_TENANT_MIGRATIONS } from './migrations';
