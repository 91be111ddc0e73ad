import { AppException } from '@app/common';

/** What the analytics can refuse (`https://tessera.dev/problems/<code>`). */
export type AnalyticsErrorCode = 'insufficient-data';

export class AnalyticsException extends AppException<AnalyticsErrorCode> {}

export const AnalyticsErrors = {
  insufficientData: (detail: string) => new AnalyticsException({ status: 409, code: 'insufficient-data', detail }),
};
