import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { ConfigError } from './config.error';

function firstProblem(errors: ValidationError[], path: string): string | undefined {
  for (const error of errors) {
    const where = path ? `${path}.${error.property}` : error.property;
    // Decorators register bottom-up: the last constraint is the topmost, most basic check (type before range).
    const constraint = Object.values(error.constraints ?? {}).at(-1);
    if (constraint) return `${where}: ${constraint.replace(/^(property )?\S+ /, '')}`;
    const nested = firstProblem(error.children ?? [], where);
    if (nested) return nested;
  }
  return undefined;
}

/** Validates `plain` as `cls`, rejecting unknown keys; throws a one-line ConfigError. */
export function validateOrThrow<T extends object>(cls: new () => T, plain: unknown, source: string, path = ''): T {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new ConfigError(`${source}: ${path || 'value'} must be an object`);
  }
  const instance = plainToInstance(cls, plain, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length) {
    throw new ConfigError(`${source}: ${firstProblem(errors, path) ?? 'invalid value'}`);
  }
  return instance;
}
