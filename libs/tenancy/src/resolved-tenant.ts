import type { TenantStatus } from '@app/catalog';

/** What routing needs to know about a tenant; cached, so it holds no live entity. */
export interface ResolvedTenant {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  dbServer: string;
  dbName: string;
  dbRole: string;
  dbPasswordEnc: string;
}
