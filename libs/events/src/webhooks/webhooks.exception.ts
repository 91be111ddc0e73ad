import { AppException } from '@app/common';

/** What a webhook route can refuse (`https://tessera.dev/problems/<code>`). */
export type WebhooksErrorCode = 'delivery-pending' | 'event-expired';

export class WebhooksException extends AppException<WebhooksErrorCode> {}

export const WebhooksErrors = {
  deliveryPending: () =>
    new WebhooksException({
      status: 409,
      code: 'delivery-pending',
      detail: 'The delivery is still pending: it is sent (again) when due.',
    }),
  eventExpired: () =>
    new WebhooksException({
      status: 409,
      code: 'event-expired',
      detail: 'The event is older than the 30-day event log and can no longer be sent.',
    }),
};
