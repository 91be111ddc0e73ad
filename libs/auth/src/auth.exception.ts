import { AppException } from '@app/common';

export class AuthException extends AppException {}

export const AuthErrors = {
  badToken: () =>
    new AuthException(401, 'unauthorized', 'Unauthorized', 'The access token is missing, expired or invalid.', undefined, {
      'WWW-Authenticate': 'Bearer',
    }),
  badCredentials: () => new AuthException(401, 'invalid-credentials', 'Unauthorized', 'The email or password is wrong.'),
  badRefresh: () => new AuthException(401, 'invalid-refresh-token', 'Unauthorized', 'The refresh token is unknown, expired or revoked.'),
  refreshReused: () =>
    new AuthException(401, 'refresh-token-reused', 'Unauthorized', 'This refresh token was already used; every session of its sign-in has been revoked.'),
  badApiKey: () => new AuthException(401, 'invalid-api-key', 'Unauthorized', 'The API key is unknown, expired or revoked.'),
  scopeMissing: () => new AuthException(403, 'forbidden', 'Forbidden', 'The API key does not allow this.'),
  throttled: (retryAfterSeconds: number) =>
    new AuthException(429, 'too-many-requests', 'Too Many Requests', 'Too many failed sign-ins; try again later.', undefined, {
      'Retry-After': String(retryAfterSeconds),
    }),
  forbidden: () => new AuthException(403, 'forbidden', 'Forbidden', 'Your role may not do this.'),
  tenantRequired: () =>
    new AuthException(400, 'tenant-required', 'Bad Request', 'This request needs a tenant: send X-Tenant-ID or use the tenant sub-domain.'),
  wrongScope: () => new AuthException(403, 'forbidden', 'Forbidden', 'These credentials cannot be used here.'),
};
