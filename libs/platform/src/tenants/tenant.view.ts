import type { Tenant, TenantStatus } from '@app/catalog';

export interface TenantView {
  id: string;
  slug: string;
  name: string;
  plan: string;
  status: TenantStatus;
  dbServer: string;
  createdAt: string;
  activatedAt: string | null;
  schemaVersion: string | null;
  /** Completed steps of the provisioning saga (and `offboarding` once requested). */
  steps: { step: string; at: string; ms: number }[];
  suspendedAt: string | null;
  offboardedAt: string | null;
  error?: string;
}

export function toTenantView(tenant: Tenant): TenantView {
  const view: TenantView = {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    plan: tenant.plan,
    status: tenant.status,
    dbServer: tenant.dbServer.name,
    createdAt: tenant.createdAt.toISOString(),
    activatedAt: tenant.activatedAt?.toISOString() ?? null,
    schemaVersion: tenant.schemaVersion ?? null,
    steps: tenant.steps,
    suspendedAt: tenant.suspendedAt?.toISOString() ?? null,
    offboardedAt: tenant.offboardedAt?.toISOString() ?? null,
  };
  if (tenant.lastError && tenant.status !== 'active') view.error = tenant.lastError;
  return view;
}
