import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiSecurity } from '@nestjs/swagger';
import type { ApiScope } from './api-keys/api-key.entity';
import type { Role } from './roles';

export const ACCESS = 'tessera:access';

/** The names of the OpenAPI security schemes (declared once on the document, in apps/api). */
export const SECURITY_SCHEMES = { bearer: 'bearer', apiKey: 'api-key' } as const;

/** Who may call a route. */
export interface AccessOptions {
  /** The roles allowed (a named set from roles.ts); never empty: a route nobody may call is a mistake. */
  roles: readonly [Role, ...Role[]];
  /** The API-key scope that opens the route to REST consumers; without one, API keys are refused. */
  apiKeyScope?: ApiScope;
}

/**
 * The one access decorator of a protected route (or controller): the roles and API-key scope the
 * guard enforces, and the operation's OpenAPI security — a bearer token, or where a key is
 * accepted, an `X-API-Key` with that scope. Everything else is refused unless it is @Public().
 * The tenant rides in the credential (token `tid`, key prefix), so `X-Tenant-ID` is optional here.
 */
export function Access(options: AccessOptions): ClassDecorator & MethodDecorator {
  const access: AccessOptions = {
    roles: options.roles,
    ...(options.apiKeyScope ? { apiKeyScope: options.apiKeyScope } : {}),
  };
  const security = [ApiBearerAuth(SECURITY_SCHEMES.bearer)];
  // OpenAPI 3.0 allows scopes in a security requirement only for OAuth2 and OpenID Connect: the
  // key's scope is named by an extension (and in the operation's description, added with the roles).
  if (options.apiKeyScope) {
    security.push(ApiSecurity(SECURITY_SCHEMES.apiKey), ApiExtension('x-api-key-scope', options.apiKeyScope));
  }
  security.push(ApiExtension('x-roles', [...options.roles]));
  return applyDecorators(SetMetadata(ACCESS, access), ...security);
}
