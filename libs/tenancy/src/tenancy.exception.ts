import { AppException } from '@app/common';

export class TenancyException extends AppException {}

export const TenancyErrors = {
  badSlug: () =>
    new TenancyException(400, 'invalid-tenant', 'Bad Request', 'The tenant identifier is not valid: 3-40 lower-case letters, digits or dashes, starting with a letter.', [
      { field: 'X-Tenant-ID', message: 'must match ^[a-z][a-z0-9-]{1,38}[a-z0-9]$' },
    ]),
  required: () =>
    new TenancyException(400, 'tenant-required', 'Bad Request', 'This request needs a tenant: send X-Tenant-ID or use the tenant sub-domain.'),
  unknown: () => new TenancyException(404, 'tenant-not-found', 'Not Found', 'No such tenant.'),
  mismatch: () => new TenancyException(403, 'tenant-mismatch', 'Forbidden', 'The credentials belong to another tenant.'),
  suspended: () => new TenancyException(403, 'tenant-suspended', 'Forbidden', 'This tenant is suspended.'),
  provisioning: () =>
    new TenancyException(409, 'tenant-provisioning', 'Conflict', 'This tenant is still being set up; try again shortly.', undefined, { 'Retry-After': '1' }),
  failed: () => new TenancyException(409, 'tenant-failed', 'Conflict', 'Setting up this tenant failed; the platform team has been told.'),
  unavailable: () =>
    new TenancyException(503, 'tenant-unavailable', 'Service Unavailable', "The tenant's database cannot be reached right now.", undefined, { 'Retry-After': '2' }),
  busy: () =>
    new TenancyException(503, 'tenant-pools-busy', 'Service Unavailable', 'All tenant connections are busy; try again shortly.', undefined, { 'Retry-After': '1' }),
  migrating: () =>
    new TenancyException(503, 'tenant-migrating', 'Service Unavailable', "This tenant's database is being upgraded; try again shortly.", undefined, {
      'Retry-After': '5',
    }),
  catalogUnavailable: () =>
    new TenancyException(503, 'catalog-unavailable', 'Service Unavailable', 'The tenant directory cannot be reached right now.', undefined, { 'Retry-After': '2' }),
  rateLimited: (retryAfterSeconds: number) =>
    new TenancyException(429, 'too-many-requests', 'Too Many Requests', "This tenant's request rate is over its limit; slow down.", undefined, {
      'Retry-After': String(retryAfterSeconds),
    }),
  noContext: () => new Error('No tenant context: tenant data may only be reached inside a tenant request or job'),
};
