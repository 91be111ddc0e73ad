import { PipeTransform } from '@nestjs/common';
import { ValidationException } from './app.exception';

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
