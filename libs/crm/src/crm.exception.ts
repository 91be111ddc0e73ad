import { AppException } from '@app/common';

/** The rules of leads and deals a request can break (`https://tessera.dev/problems/<code>`). */
export type CrmErrorCode =
  | 'invalid-status-transition'
  | 'lead-converted'
  | 'lead-has-deal'
  | 'custom-field-exists'
  | 'custom-field-values-mismatch'
  | 'custom-field-duplicates'
  | 'custom-field-value-taken';

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
  customFieldExists: (entity: string, key: string) =>
    new CrmException({
      status: 409,
      code: 'custom-field-exists',
      detail: `A custom field ${key} of ${entity}s exists already (archived ones included).`,
      errors: [{ field: 'key', message: `key ${key} is taken` }],
    }),
  valuesMismatch: (key: string, badValues: number) =>
    new CrmException({
      status: 409,
      code: 'custom-field-values-mismatch',
      detail: `${badValues} stored value(s) of ${key} do not fit the new terms.`,
      extensions: { badValues },
    }),
  duplicates: (key: string, duplicates: number) =>
    new CrmException({
      status: 409,
      code: 'custom-field-duplicates',
      detail: `${duplicates} value(s) of ${key} are held by more than one record: it cannot be unique.`,
      extensions: { duplicates },
    }),
  valueTaken: (key: string) =>
    new CrmException({
      status: 409,
      code: 'custom-field-value-taken',
      detail: `Another record holds this value of customFields.${key} (unique).`,
      errors: [{ field: `customFields.${key}`, message: `customFields.${key} must be unique` }],
    }),
};
