import { AppException } from '@app/common';
import type { SupportSessionState } from './support-session.entity';

/** The rules of support access (impersonation) a request can break. */
export type SupportAccessErrorCode =
  | 'support-access-off'
  | 'user-deactivated'
  | 'support-session-state'
  | 'support-approval-expired'
  | 'not-your-support-session';

export class SupportAccessException extends AppException<SupportAccessErrorCode> {}

export const SupportAccessErrors = {
  off: () =>
    new SupportAccessException({
      status: 403,
      code: 'support-access-off',
      detail: "The tenant's support access is off: no one may act as its users.",
    }),
  userDeactivated: () =>
    new SupportAccessException({
      status: 409,
      code: 'user-deactivated',
      detail: 'The user is deactivated: no support session can act as them.',
    }),
  state: (status: SupportSessionState, wanted: string) =>
    new SupportAccessException({
      status: 409,
      code: 'support-session-state',
      detail: `The support session is ${status}; only a ${wanted} one can be.`,
    }),
  approvalExpired: () =>
    new SupportAccessException({
      status: 409,
      code: 'support-approval-expired',
      detail: 'The approval was not used within 15 minutes: ask again.',
    }),
  notYours: () =>
    new SupportAccessException({
      status: 403,
      code: 'not-your-support-session',
      detail: 'Only the platform user who asked may start this support session.',
    }),
};
