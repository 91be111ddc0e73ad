import { AppException, ValidationException } from '@app/common';

/** The problems of the Idempotency-Key header (API.md "Idempotency"). */
export type IdempotencyErrorCode =
  'idempotency-key-in-use' | 'idempotency-key-reused' | 'idempotency-key-secret-shown' | 'idempotency-key-committed';

/** Where a tenant entity a request wrote can be read (its Location), by the audit trail's entity name. */
const ENTITY_PATHS: Record<string, string> = { lead: 'leads', deal: 'deals', user: 'users', api_key: 'api-keys' };

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
  /**
   * The tenant database holds this key's commit (idempotency_commits) but no answer was kept: the
   * instance that ran the first request stopped between its commit and its answer. Never a second write.
   */
  committed: (entity: string, entityId: string) => {
    const path = ENTITY_PATHS[entity];
    return new IdempotencyException({
      status: 409,
      code: 'idempotency-key-committed',
      detail:
        'The first request with this Idempotency-Key was committed, but its answer was lost before it was sent; it is not run again.' +
        (path ? ' Location names what it wrote.' : ''),
      ...(path ? { headers: { Location: `/api/v1/${path}/${entityId}` } } : {}),
    });
  },
};
