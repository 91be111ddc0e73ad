import { AppException, ForbiddenException, TooManyRequestsException, UnauthorizedException } from '@app/common';

/** The problems of signing in and of credentials (`https://tessera.dev/problems/<code>`). */
export type AuthErrorCode =
  | 'invalid-credentials'
  | 'invalid-refresh-token'
  | 'refresh-token-reused'
  | 'invalid-api-key'
  | 'not-in-support-session';

export class AuthException extends AppException<AuthErrorCode> {}

export const AuthErrors = {
  badToken: () => new UnauthorizedException('The access token is missing, expired or invalid.'),
  badCredentials: () =>
    new AuthException({ status: 401, code: 'invalid-credentials', detail: 'The email or password is wrong.' }),
  badRefresh: () =>
    new AuthException({
      status: 401,
      code: 'invalid-refresh-token',
      detail: 'The refresh token is unknown, expired or revoked.',
    }),
  refreshReused: () =>
    new AuthException({
      status: 401,
      code: 'refresh-token-reused',
      detail: 'This refresh token was already used; every session of its sign-in has been revoked.',
    }),
  badApiKey: () =>
    new AuthException({ status: 401, code: 'invalid-api-key', detail: 'The API key is unknown, expired or revoked.' }),
  scopeMissing: () => new ForbiddenException('The API key does not allow this.'),
  throttled: (retryAfterSeconds: number) =>
    new TooManyRequestsException('Too many failed sign-ins; try again later.', retryAfterSeconds),
  forbidden: () => new ForbiddenException('Your role may not do this.'),
  wrongScope: () => new ForbiddenException('These credentials cannot be used here.'),
  notInSupportSession: () =>
    new AuthException({
      status: 403,
      code: 'not-in-support-session',
      detail:
        'A support session may not do this (passwords, roles, users, API keys, webhooks, support settings, exports, privacy requests).',
    }),
};
