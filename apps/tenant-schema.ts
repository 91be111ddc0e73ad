import {
  AUDIT_APPEND_ONLY_TABLES,
  AUDIT_CHAIN_COLUMNS,
  AUDIT_TENANT_MIGRATIONS,
  AuditLog,
  AuditSubscriber,
  auditContext,
} from '@app/audit';
import {
  ApiKey,
  AUTH_TENANT_MIGRATIONS,
  seedCompanyAdmin,
  SupportAccessSettings,
  SupportSession,
  User,
} from '@app/auth';
import {
  CRM_TENANT_MIGRATIONS,
  CustomField,
  CustomFieldSchema,
  Deal,
  DEAL_EVENT_SOURCE,
  DealStageHistory,
  Lead,
  LEAD_EVENT_SOURCE,
  LeadScoreModel,
  LeadStatusHistory,
} from '@app/crm';
import {
  EVENTS_TENANT_MIGRATIONS,
  OutboxEvent,
  OutboxHead,
  OutboxSubscriber,
  USER_EVENT_SOURCE,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookRelay,
} from '@app/events';
import { EXPORTS_TENANT_MIGRATIONS, PrivacyRequest, TenantExport } from '@app/exports';
import { PLATFORM_TENANT_MIGRATIONS, UsageCounter } from '@app/platform';
import type { TenantSchema } from '@app/tenancy';

/**
 * Everything a tenant database holds, composed here where the apps compose their modules: each
 * lib owns its tables (entities and migrations), and one list of migrations in name order
 * builds every tenant database of the fleet alike. Used by the API, the worker and the CLI.
 */
export const TENANT_DATABASE_SCHEMA: TenantSchema = {
  entities: [
    User,
    ApiKey,
    SupportAccessSettings,
    SupportSession,
    Lead,
    Deal,
    CustomField,
    CustomFieldSchema,
    AuditLog,
    OutboxEvent,
    OutboxHead,
    TenantExport,
    PrivacyRequest,
    UsageCounter,
    LeadStatusHistory,
    DealStageHistory,
    LeadScoreModel,
    WebhookEndpoint,
    WebhookDelivery,
    WebhookAttempt,
    WebhookRelay,
  ],
  migrations: [
    ...AUTH_TENANT_MIGRATIONS,
    ...CRM_TENANT_MIGRATIONS,
    ...AUDIT_TENANT_MIGRATIONS,
    ...EVENTS_TENANT_MIGRATIONS,
    ...EXPORTS_TENANT_MIGRATIONS,
    ...PLATFORM_TENANT_MIGRATIONS,
  ].sort((a, b) => a.name.localeCompare(b.name)),
  subscribers: [
    new AuditSubscriber(auditContext),
    new OutboxSubscriber([LEAD_EVENT_SOURCE, DEAL_EVENT_SOURCE, USER_EVENT_SOURCE]),
  ],
  appendOnlyTables: AUDIT_APPEND_ONLY_TABLES,
  databaseSetColumns: AUDIT_CHAIN_COLUMNS,
  seedCompanyAdmin,
};
