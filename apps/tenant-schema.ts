import { ApiKey, AUTH_TENANT_MIGRATIONS, seedCompanyAdmin, User } from '@app/auth';
import { AUDIT_APPEND_ONLY_TABLES, AUDIT_CHAIN_COLUMNS, AUDIT_TENANT_MIGRATIONS, AuditLog, AuditSubscriber, auditContext } from '@app/audit';
import type { TenantSchema } from '@app/tenancy';
import { CRM_TENANT_MIGRATIONS } from './migrations';
import { Deal } from './deals/deal.entity';
import { Lead } from './leads/lead.entity';

/** Everything a tenant database holds, composed from the libs that own its tables. */
export const CRM_TENANT_SCHEMA: TenantSchema = {
  entities: [User, ApiKey, Lead, Deal, AuditLog],
  migrations: [...AUTH_TENANT_MIGRATIONS, ...CRM_TENANT_MIGRATIONS, ...AUDIT_TENANT_MIGRATIONS].sort((a, b) => a.name.localeCompare(b.name)),
  subscribers: [new AuditSubscriber(auditContext)],
  appendOnlyTables: AUDIT_APPEND_ONLY_TABLES,
  databaseSetColumns: AUDIT_CHAIN_COLUMNS,
  seedCompanyAdmin,
};
