import { AppException } from '@app/common';

/** The problems of the tenant lifecycle: onboarding, placement, suspension and offboarding. */
export type FleetErrorCode =
  'tenant-exists' | 'tenant-db-exists' | 'tenant-offboarding' | 'invalid-tenant-state' | 'no-capacity';

export class FleetException extends AppException<FleetErrorCode> {}

export const FleetErrors = {
  tenantExists: (slug: string) =>
    new FleetException({
      status: 409,
      code: 'tenant-exists',
      detail: `A tenant with the slug "${slug}" already exists.`,
    }),
  databaseExists: (dbName: string, server: string) =>
    new FleetException({
      status: 409,
      code: 'tenant-db-exists',
      detail: `A database or role named "${dbName}" already exists on server "${server}".`,
    }),
  offboarding: () =>
    new FleetException({ status: 409, code: 'tenant-offboarding', detail: 'This tenant is being offboarded.' }),
  invalidState: (status: string) =>
    new FleetException({
      status: 409,
      code: 'invalid-tenant-state',
      detail: `A tenant that is ${status} cannot do this.`,
    }),
  noCapacity: () =>
    new FleetException({
      status: 503,
      code: 'no-capacity',
      detail: 'No general database server has room for another tenant.',
    }),
};
