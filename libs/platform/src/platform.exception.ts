import { AppException } from '@app/common';

/** The problems of the platform API itself (`https://tessera.dev/problems/<code>`). */
export type PlatformErrorCode = 'not-ready' | 'tenant-not-active' | 'fleet-migration-running';

export class PlatformException extends AppException<PlatformErrorCode> {}

export const PlatformErrors = {
  notReady: (down: string[]) =>
    new PlatformException({
      status: 503,
      code: 'not-ready',
      detail: `Not ready: ${down.join(', ') || 'a dependency'} unreachable.`,
      headers: { 'Retry-After': '5' },
    }),
  tenantNotActive: (status: string) =>
    new PlatformException({ status: 409, code: 'tenant-not-active', detail: `The tenant is ${status}, not active.` }),
  fleetMigrationRunning: () =>
    new PlatformException({
      status: 409,
      code: 'fleet-migration-running',
      detail: 'A fleet migration is running: follow it at GET /platform/migrations.',
    }),
  shuttingDown: () =>
    new PlatformException({
      status: 503,
      code: 'not-ready',
      detail: 'Not ready: this instance is shutting down.',
    }),
};
