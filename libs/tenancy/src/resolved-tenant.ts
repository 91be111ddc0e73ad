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
  /** Newest tenant migration applied to its database (null: unknown, i.e. behind). */
  schemaVersion: string | null;
  /** The code of the tenant's plan (its rules: PlanBook). */
  plan: string;
  /** A relocation refuses writes (503 tenant-relocating); reads are served. */
  writesFrozen: boolean;
}
