import { PLAN_CODE_PATTERN } from '@app/catalog';
import { ValidationException } from '@app/common';
import { Param, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';

class PlanCodePipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value !== 'string' || !PLAN_CODE_PATTERN.test(value))
      throw new ValidationException([{ field: 'code', message: `must match ${PLAN_CODE_PATTERN.source}` }]);
    return value;
  }
}

/** The `:code` path parameter: a plan code, else 400 (it never reaches SQL). */
export function PathPlanCode(): ParameterDecorator {
  return (target, key, index) => {
    Param('code', PlanCodePipe)(target, key, index);
    if (key === undefined) return;
    ApiParam({ name: 'code', schema: { type: 'string', pattern: PLAN_CODE_PATTERN.source, example: 'starter' } })(
      target,
      key,
      Object.getOwnPropertyDescriptor(target, key)!,
    );
  };
}
