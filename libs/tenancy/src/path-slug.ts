import { Param, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { TenancyErrors } from './tenancy.exception';
import { isTenantSlug, TENANT_SLUG_PATTERN } from './tenant-slug';

class SlugPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isTenantSlug(value)) throw TenancyErrors.badSlug();
    return value;
  }
}

/** The `:slug` path parameter of a platform route, checked (400 invalid-tenant) and documented with its pattern. */
export function PathSlug(): ParameterDecorator {
  return (target, key, index) => {
    Param('slug', SlugPipe)(target, key, index);
    if (key === undefined) return;
    ApiParam({ name: 'slug', schema: { type: 'string', pattern: TENANT_SLUG_PATTERN.source, example: 'acme' } })(
      target,
      key,
      Object.getOwnPropertyDescriptor(target, key)!,
    );
  };
}
