import { AppException } from '@app/common';

/** The problems of plans (`https://tessera.dev/problems/<code>`). */
export type PlansErrorCode = 'not-found' | 'plan-exists' | 'validation' | 'tenant-offboarded';

export class PlansException extends AppException<PlansErrorCode> {}

export const PlansErrors = {
  notFound: () => new PlansException({ status: 404, code: 'not-found', detail: 'No such plan.' }),
  exists: (code: string) =>
    new PlansException({ status: 409, code: 'plan-exists', detail: `A plan with the code ${code} exists already.` }),
  unknownPlan: () =>
    new PlansException({
      status: 400,
      code: 'validation',
      detail: 'The request is not valid.',
      errors: [{ field: 'plan', message: 'plan must be the code of a plan (GET /platform/plans)' }],
    }),
  tenantNotFound: () => new PlansException({ status: 404, code: 'not-found', detail: 'No such tenant.' }),
  offboarded: () =>
    new PlansException({ status: 409, code: 'tenant-offboarded', detail: 'This tenant was offboarded.' }),
};
