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
  };
  if (tenant.status === 'failed' && tenant.lastError) view.error = tenant.lastError;
  return view;
}
