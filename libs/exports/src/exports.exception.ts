import { AppException } from '@app/common';

/** What an export or privacy request route can refuse (`https://tessera.dev/problems/<code>`). */
export type ExportsErrorCode = 'export-not-ready' | 'no-download';

export class ExportsException extends AppException<ExportsErrorCode> {}

export const ExportsErrors = {
  notReady: (status: string) =>
    new ExportsException({
      status: 409,
      code: 'export-not-ready',
      detail: `The export is ${status}; it can be downloaded once it is ready.`,
    }),
  noDownload: () =>
    new ExportsException({
      status: 409,
      code: 'no-download',
      detail: 'Only a finished access request has a zip to download.',
    }),
};
