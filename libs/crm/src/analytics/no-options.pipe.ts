import { ValidationException } from '@app/common';
import { PipeTransform } from '@nestjs/common';

/**
 * The body of a route that takes no options: absent, or `{}`. Anything else is refused (400) like
 * an unknown field elsewhere, so a client sending options it believes exist learns they do not.
 */
export class NoOptionsPipe implements PipeTransform<unknown, Record<string, never>> {
  transform(value: unknown): Record<string, never> {
    if (value === undefined || value === null || value === '') return {};
    if (typeof value !== 'object' || Array.isArray(value))
      throw new ValidationException([{ field: 'body', message: 'the body must be absent or an empty object' }]);
    const fields = Object.keys(value);
    if (fields.length)
      throw new ValidationException(fields.map((field) => ({ field, message: `${field} is not an accepted field` })));
    return {};
  }
}

/** The OpenAPI body of such a route. */
export const NO_OPTIONS_SCHEMA = { type: 'object' as const, additionalProperties: false, properties: {} };
