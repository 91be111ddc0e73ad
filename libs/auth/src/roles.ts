export const TENANT_ROLES = ['company_admin', 'manager', 'staff'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];
export type Role = TenantRole | 'super_admin';

/** Who is calling, as proven by a verified access token. */
export interface Principal {
  /** User id (tenant user or platform user). */
  sub: string;
  role: Role;
  /** Tenant slug; absent for platform tokens. */
  tid?: string;
  scope: 'tenant' | 'platform';
  jti: string;
}
