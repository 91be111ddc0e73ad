import { applyDecorators, createParamDecorator, ExecutionContext, Header, SetMetadata } from '@nestjs/common';
import { ApiExtension, ApiSecurity } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { ClientInfo } from './auth-audit';
import type { Principal } from './roles';

export const IS_PUBLIC = 'tessera:public';
export const TENANT_FROM = 'tessera:tenant-from';
export const NO_STORE = 'tessera:no-store';

/**
 * The route needs no credentials. Everything else is denied unless it declares @Access. Its OpenAPI
 * security is the empty requirement (`security: [{}]`): public on purpose, not an omission.
 */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiSecurity({}));

/** Where a public route reads its tenant from the request, and what it answers when that names no tenant of ours. */
export interface TenantSource {
  read: (request: FastifyRequest) => string | undefined;
  /** The request's tenant part is missing, malformed or unknown (e.g. a bad refresh token: 401, not 404). */
  unknown: () => Error;
}

/**
 * A public tenant route whose tenant may also be read from the request (e.g. a refresh token's
 * prefix). A header or host that names an unknown tenant is still a 404; a tenant read from the
 * request that is unknown (or absent, with nothing else naming one) is answered by `unknown`.
 */
export const TenantFrom = (source: TenantSource) => SetMetadata(TENANT_FROM, source);

/**
 * The answer carries a token or a secret: no cache (browser, proxy) may keep it (RFC 6749 §5.1),
 * nor the idempotency records (an Idempotency-Key is ignored here). `x-no-store` marks the
 * operation in the OpenAPI document so that the document says so too.
 */
export const NoStore = () =>
  applyDecorators(
    Header('Cache-Control', 'no-store'),
    Header('Pragma', 'no-cache'),
    SetMetadata(NO_STORE, true),
    ApiExtension('x-no-store', true),
  );

/** The verified caller of the request. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<FastifyRequest & { user: Principal }>().user,
);

/** The caller's IP, user agent and request id (for sign-in throttling and the audit trail). */
export const Client = createParamDecorator((_data: unknown, ctx: ExecutionContext): ClientInfo => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest>();
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 500) : null,
    requestId: String(request.id),
  };
});
