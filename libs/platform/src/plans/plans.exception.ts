import { AppException } from '@app/common';

/** The problems of plans (`https://tessera.dev/problems/<code>`). */
export type PlansErrorCode = 'not-found' | 'plan-exists';

export class PlansException extends AppException<PlansErrorCode> {}

export const PlansErrors = {
  notFound: () => new PlansException({ status: 404, code: 'not-found', detail: 'No such plan.' }),
  exists: (code: string) =>
    new PlansException({ status: 409, code: 'plan-exists', detail: `A plan with the code ${code} exists already.` }),
};
