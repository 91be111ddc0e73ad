import { ValidateIf } from 'class-validator';

/**
 * The field may be left out, but when present it is validated, `null` included: for columns
 * that are not nullable (`{"name": null}` is a 400, never a 500). Nullable fields keep
 * `@IsOptional()`, which lets `null` through to clear the value.
 */
export function IsOptionalButNotNull(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}
