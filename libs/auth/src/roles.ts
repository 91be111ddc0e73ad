export const TENANT_ROLES = ['company_admin', 'manager', 'staff'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];
export type Role = TenantRole | 'super_admin';

/** Named role sets for @Access (API.md's roles table), each written once. */
export const TENANT_USERS = TENANT_ROLES;
export const MANAGERS = ['company_admin', 'manager'] as const;
export const COMPANY_ADMINS = ['company_admin'] as const;
export const SUPER_ADMINS = ['super_admin'] as const;

/** Who is calling, as proven by a verified access token. */
export interface Principal {
  /** User id (tenant user or platform user). */
  sub: string;
  role: Role;
  /** Tenant slug; absent for platform tokens. */
  tid?: string;
  scope: 'tenant' | 'platform';
  jti: string;
  /** The user's token version when the token was issued (tenant tokens). */
  ver?: number;
  /** The refresh-token family of the sign-in (sign-out revokes it). */
  fam?: string;
  /** Set when the caller authenticated with an API key instead of a token. */
  apiKey?: { id: string; scopes: readonly string[] };
  /** A support session (impersonation): the platform user acting for `sub` (RFC 8693 `act`). */
  act?: { sub: string };
  /** The token's `exp` (seconds), kept for support sessions: they end to the second, without clock tolerance. */
  exp?: number;
}
