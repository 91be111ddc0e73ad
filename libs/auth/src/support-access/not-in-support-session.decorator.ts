import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const NOT_IN_SUPPORT_SESSION = 'tessera:not-in-support-session';

/** What a support session may not do on a route: all of it, or only what sets some body fields. */
export interface SupportSessionLimit {
  /** Refuse only a request whose body sets one of these fields (e.g. a user's `password` or `role`). */
  fields?: readonly string[];
}

/**
 * The route (or, with `fields`, a change of those fields) is refused with 403
 * `not-in-support-session` to a support session's token: a platform user acting as a tenant user
 * may not change passwords, roles, API keys, webhooks or the support settings themselves. The
 * operation says so in the OpenAPI document (`x-not-in-support-session`: true, or the fields).
 */
export function NotInSupportSession(limit: SupportSessionLimit = {}): ClassDecorator & MethodDecorator {
  const fields = limit.fields?.length ? [...limit.fields] : undefined;
  return applyDecorators(
    SetMetadata(NOT_IN_SUPPORT_SESSION, fields ? { fields } : {}),
    ApiExtension('x-not-in-support-session', fields ?? true),
  );
}

/** Whether a support session's request falls under the route's limit. */
export function refusedInSupportSession(limit: SupportSessionLimit | undefined, body: unknown): boolean {
  if (!limit) return false;
  if (!limit.fields) return true;
  if (!body || typeof body !== 'object') return false;
  return limit.fields.some((field) => Object.prototype.hasOwnProperty.call(body, field));
}
