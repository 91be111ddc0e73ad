export { CrmModule } from './crm.module';
export { CustomField, CustomFieldSchema } from './custom-fields/custom-field.entity';
export { CustomFieldsModule } from './custom-fields/custom-fields.module';
export { TenantOpenApi } from './custom-fields/tenant-openapi';
export { Deal } from './deals/deal.entity';
export { DEAL_EVENT_SOURCE, LEAD_EVENT_SOURCE } from './event-sources';
export { Lead } from './leads/lead.entity';
export { CRM_TENANT_MIGRATIONS } from './migrations';
