import { AppException } from '@app/common';

/** The problems of the platform API itself (`https://tessera.dev/problems/<code>`). */
export type PlatformErrorCode = 'not-ready';

export class PlatformException extends AppException<PlatformErrorCode> {}

export const PlatformErrors = {
  notReady: (down: string[]) =>
    new PlatformException({
      status: 503,
      code: 'not-ready',
      detail: `Not ready: ${down.join(', ') || 'a dependency'} unreachable.`,
      headers: { 'Retry-After': '5' },
    }),
  shuttingDown: () =>
    new PlatformException({
      status: 503,
      code: 'not-ready',
      detail: 'Not ready: this instance is shutting down.',
    }),
};
