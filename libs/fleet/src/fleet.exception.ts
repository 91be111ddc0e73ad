import { AppException } from '@app/common';

/** The problems of the tenant lifecycle: onboarding, placement, suspension and offboarding. */
export type FleetErrorCode =
  'tenant-exists' | 'tenant-db-exists' | 'tenant-offboarding' | 'invalid-tenant-state' | 'no-capacity' | 'validation';

export class FleetException extends AppException<FleetErrorCode> {}

export type RelocationErrorCode =
  | 'relocation-in-progress'
  | 'unknown-server'
  | 'same-server'
  | 'server-full'
  | 'relocation-cut-over'
  | 'invalid-tenant-state';

export class RelocationException extends AppException<RelocationErrorCode> {}

export const RelocationErrors = {
  underWay: (slug: string) =>
    new RelocationException({
      status: 409,
      code: 'relocation-in-progress',
      detail: `Tenant "${slug}" is being relocated already; abort that relocation or wait for it.`,
    }),
  unknownServer: (server: string) =>
    new RelocationException({
      status: 400,
      code: 'unknown-server',
      detail: `There is no active database server named "${server}".`,
      errors: [{ field: 'targetServer', message: 'must name an active server of tenants.config.json' }],
    }),
  sameServer: (server: string) =>
    new RelocationException({
      status: 400,
      code: 'same-server',
      detail: `The tenant's database is on "${server}" already.`,
      errors: [{ field: 'targetServer', message: "must differ from the tenant's current server" }],
    }),
  serverFull: (server: string) =>
    new RelocationException({
      status: 409,
      code: 'server-full',
      detail: `Database server "${server}" has no room for another tenant.`,
    }),
  tooLate: (status: string) =>
    new RelocationException({
      status: 409,
      code: 'relocation-cut-over',
      detail: `A relocation that is ${status} cannot be aborted.`,
    }),
  tenantState: (status: string) =>
    new RelocationException({
      status: 409,
      code: 'invalid-tenant-state',
      detail: `A tenant that is ${status} cannot be relocated.`,
    }),
};

export const FleetErrors = {
  unknownPlan: (plan: string) =>
    new FleetException({
      status: 400,
      code: 'validation',
      detail: `There is no plan "${plan}".`,
      errors: [{ field: 'plan', message: 'plan must be the code of a plan (GET /platform/plans)' }],
    }),
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
