import { AppException, TooManyRequestsException } from '@app/common';

/** The problems of resolving and serving a request's tenant (`https://tessera.dev/problems/<code>`). */
export type TenancyErrorCode =
  | 'invalid-tenant'
  | 'tenant-required'
  | 'tenant-not-found'
  | 'tenant-mismatch'
  | 'tenant-suspended'
  | 'tenant-provisioning'
  | 'tenant-failed'
  | 'tenant-unavailable'
  | 'tenant-pools-busy'
  | 'tenant-migrating'
  | 'tenant-relocating'
  | 'catalog-unavailable'
  | 'quota-exceeded'
  | 'feature-not-in-plan';

export class TenancyException extends AppException<TenancyErrorCode> {}

export const TenancyErrors = {
  badSlug: () =>
    new TenancyException({
      status: 400,
      code: 'invalid-tenant',
      detail: 'The tenant identifier is not valid: 3-40 lower-case letters, digits or dashes, starting with a letter.',
      errors: [{ field: 'X-Tenant-ID', message: 'must match ^[a-z][a-z0-9-]{1,38}[a-z0-9]$' }],
    }),
  required: () =>
    new TenancyException({
      status: 400,
      code: 'tenant-required',
      detail: 'This request needs a tenant: send X-Tenant-ID or use the tenant sub-domain.',
    }),
  unknown: () => new TenancyException({ status: 404, code: 'tenant-not-found', detail: 'No such tenant.' }),
  mismatch: () =>
    new TenancyException({ status: 403, code: 'tenant-mismatch', detail: 'The credentials belong to another tenant.' }),
  suspended: () => new TenancyException({ status: 403, code: 'tenant-suspended', detail: 'This tenant is suspended.' }),
  provisioning: () =>
    new TenancyException({
      status: 409,
      code: 'tenant-provisioning',
      detail: 'This tenant is still being set up; try again shortly.',
      headers: { 'Retry-After': '1' },
    }),
  failed: () =>
    new TenancyException({
      status: 409,
      code: 'tenant-failed',
      detail: 'Setting up this tenant failed; the platform team has been told.',
    }),
  unavailable: () =>
    new TenancyException({
      status: 503,
      code: 'tenant-unavailable',
      detail: "The tenant's database cannot be reached right now.",
      headers: { 'Retry-After': '2' },
    }),
  busy: () =>
    new TenancyException({
      status: 503,
      code: 'tenant-pools-busy',
      detail: 'All tenant connections are busy; try again shortly.',
      headers: { 'Retry-After': '1' },
    }),
  migrating: () =>
    new TenancyException({
      status: 503,
      code: 'tenant-migrating',
      detail: "This tenant's database is being upgraded; try again shortly.",
      headers: { 'Retry-After': '5' },
    }),
  relocating: () =>
    new TenancyException({
      status: 503,
      code: 'tenant-relocating',
      detail: "This tenant's database is moving to another server: reads are served, writes resume in a few seconds.",
      headers: { 'Retry-After': '2' },
    }),
  catalogUnavailable: () =>
    new TenancyException({
      status: 503,
      code: 'catalog-unavailable',
      detail: 'The tenant directory cannot be reached right now.',
      headers: { 'Retry-After': '2' },
    }),
  quotaExceeded: (resource: string, limit: number, used: number) =>
    new TenancyException({
      status: 403,
      code: 'quota-exceeded',
      detail: `This tenant's plan allows ${limit} ${resource}; ${used} are in use. Remove some, or move to a larger plan.`,
      extensions: { resource, limit, used },
    }),
  featureNotInPlan: (feature: string) =>
    new TenancyException({
      status: 403,
      code: 'feature-not-in-plan',
      detail: `This tenant's plan does not include ${feature}.`,
      extensions: { feature },
    }),
  rateLimited: (retryAfterSeconds: number) =>
    new TooManyRequestsException("This tenant's request rate is over its limit; slow down.", retryAfterSeconds),
  noContext: () => new Error('No tenant context: tenant data may only be reached inside a tenant request or job'),
};
