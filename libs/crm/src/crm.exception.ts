import { AppException } from '@app/common';

/** The rules of leads and deals a request can break (`https://tessera.dev/problems/<code>`). */
export type CrmErrorCode = 'invalid-status-transition' | 'lead-converted' | 'lead-has-deal';

export class CrmException extends AppException<CrmErrorCode> {}

export const CrmErrors = {
  statusTransition: (from: string, to: string) =>
    new CrmException({
      status: 409,
      code: 'invalid-status-transition',
      detail: `A lead cannot go from ${from} to ${to}.`,
    }),
  leadConverted: () => new CrmException({ status: 409, code: 'lead-converted', detail: 'A converted lead is final.' }),
  leadHasDeal: () => new CrmException({ status: 409, code: 'lead-has-deal', detail: 'This lead already has a deal.' }),
};
