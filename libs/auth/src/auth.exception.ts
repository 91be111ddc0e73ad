import { AppException } from '@app/common';

export class AuthException extends AppException {}

export const AuthErrors = {
  badToken: () =>
    new AuthException(401, 'unauthorized', 'Unauthorized', 'The access token is missing, expired or invalid.', undefined, {
      'WWW-Authenticate': 'Bearer',
    }),
  badCredentials: () => new AuthException(401, 'invalid-credentials', 'Unauthorized', 'The email or password is wrong.'),
  forbidden: () => new AuthException(403, 'forbidden', 'Forbidden', 'Your role may not do this.'),
  tenantRequired: () =>
    new AuthException(400, 'tenant-required', 'Bad Request', 'This request needs a tenant: send X-Tenant-ID or use the tenant sub-domain.'),
  wrongScope: () => new AuthException(403, 'forbidden', 'Forbidden', 'These credentials cannot be used here.'),
};
