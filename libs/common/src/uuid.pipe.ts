import { Param, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ValidationException } from './app.exception';

const EXAMPLE_ID = '0b6f1c3e-8f4a-4c2e-9d7b-2a5e6f8c1d90';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Path ids are UUIDs; anything else is a 400 before it reaches a query. */
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) throw new ValidationException([{ field: 'id', message: 'id must be a UUID' }]);
    return value.toLowerCase();
  }
}

/**
 * The `:id` path parameter of a route, a UUID (UuidPipe), documented as one with an example so
 * contract testers and generated clients know its form.
 */
export function PathId(): ParameterDecorator {
  return (target, key, index) => {
    Param('id', UuidPipe)(target, key, index);
    if (key === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, key)!;
    ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid', example: EXAMPLE_ID } })(target, key, descriptor);
  };
}
