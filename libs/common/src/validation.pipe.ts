import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ValidationException } from './app.exception';

/**
 * A required property left out: class-validator ran its constraints on `undefined` (optional
 * ones are skipped then), so they would explain a shape instead of saying it is missing. Only
 * errors that carry their value (the pipe asks for it) can tell.
 */
function isMissing(error: ValidationError): boolean {
  return 'value' in error && error.value === undefined && error.constraints !== undefined;
}

/**
 * Flattens nested class-validator errors into `{field, message}` pairs with dotted paths; a
 * missing required property is one `<field> is required`.
 */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    if (isMissing(error)) {
      out.push({ field, message: `${error.property} is required` });
      continue;
    }
    for (const message of Object.values(error.constraints ?? {})) {
      out.push({ field, message: message.replace(/^property (\S+) should not exist$/, '$1 is not an accepted field') });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/** The one validation pipe: unknown fields are rejected, types are enforced, values are transformed. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    // The value is read only to tell a missing property (flattenValidationErrors); it never reaches the answer.
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => new ValidationException(flattenValidationErrors(errors)),
  });
}
