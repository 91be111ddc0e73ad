/** API.md: 3-40 characters, lower-case letters, digits and inner dashes, starting with a letter. */
export const TENANT_SLUG_PATTERN = /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/;

export function isTenantSlug(value: unknown): value is string {
  return typeof value === 'string' && TENANT_SLUG_PATTERN.test(value);
}

/** Database and role name of a tenant: prefix + slug with dashes as underscores. */
export function tenantDbName(prefix: string, slug: string): string {
  return prefix + slug.replace(/-/g, '_');
}

/** The template database of a server; a slug never starts with `_`, so no tenant can take this name. */
export function templateDbName(prefix: string): string {
  return `${prefix}_template`;
}
