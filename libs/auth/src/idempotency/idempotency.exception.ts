import { AppException, ValidationException } from '@app/common';

/** The problems of the Idempotency-Key header (API.md "Idempotency"). */
export type IdempotencyErrorCode = 'idempotency-key-in-use' | 'idempotency-key-reused' | 'idempotency-key-secret-shown';

export class IdempotencyException extends AppException<IdempotencyErrorCode> {}

export const IdempotencyErrors = {
  badKey: () =>
    new ValidationException(
      [{ field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' }],
      'The Idempotency-Key header is not valid.',
    ),
  inUse: () =>
    new IdempotencyException({
      status: 409,
      code: 'idempotency-key-in-use',
      detail: 'A request with this Idempotency-Key is still running; retry once it has finished.',
    }),
  reused: () =>
    new IdempotencyException({
      status: 422,
      code: 'idempotency-key-reused',
      detail: 'This Idempotency-Key was used with another request body or route.',
    }),
  secretShown: (location: string | undefined) =>
    new IdempotencyException({
      status: 409,
      code: 'idempotency-key-secret-shown',
      detail:
        'The first request with this Idempotency-Key succeeded; its answer held a secret that is shown only once, so it is not replayed.',
      ...(location ? { headers: { Location: location } } : {}),
    }),
};
