import { TenancyErrors, TenantRequest, TenantResolver, WITHOUT_TENANT } from '@app/tenancy';
import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { apiKeyTenant, ApiKeysService } from './api-keys/api-keys.service';
import { API_KEY_SCOPE, IS_PUBLIC, ROLES, TENANT_FROM } from './auth.decorators';
import { AuthErrors } from './auth.exception';
import { LiveSessions } from './live-sessions';
import { VerifiedTokens } from './verified-tokens';
import type { Principal, Role } from './roles';

type AccessRequest = TenantRequest & { user?: Principal };

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The one global guard chain, deny by default:
 * 1. authenticate — a bearer token (passport-jwt) or an `X-API-Key` — unless the route is @Public();
 * 2. resolve the tenant (token `tid`, X-Tenant-ID, sub-domain): a credential is only valid for
 *    its own tenant;
 * 3. check a tenant token is still current (user active, same role and token version, family
 *    not signed out);
 * 4. authorise — the route's @Roles must include the caller's role (API keys: the route's
 *    @ApiKeyScope must be among the key's scopes, and @Roles must include the key creator's
 *    current role); a route with neither @Public nor @Roles is
 *    refused for everyone; platform tokens never reach tenant routes nor tenant tokens
 *    platform ones.
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: TenantResolver,
    private readonly apiKeys: ApiKeysService,
    private readonly sessions: LiveSessions,
    private readonly verified: VerifiedTokens,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const meta = <T>(key: string) => this.reflector.getAllAndOverride<T | undefined>(key, targets);
    const isPublic = meta<boolean>(IS_PUBLIC) ?? false;
    const withoutTenant = meta<boolean>(WITHOUT_TENANT) ?? false;
    const request = context.switchToHttp().getRequest<AccessRequest>();
    const hints = { header: request.headers['x-tenant-id'], host: request.headers.host };

    const apiKey = header(request, 'x-api-key');
    if (!isPublic && apiKey !== undefined && request.headers.authorization === undefined) {
      if (withoutTenant) throw AuthErrors.wrongScope();
      const tenantOfKey = apiKeyTenant(apiKey);
      if (!tenantOfKey) throw AuthErrors.badApiKey();
      const tenant = (await this.resolver.resolve({ ...hints, tokenTenant: tenantOfKey }))!;
      const principal = await this.apiKeys.authenticate(tenant, apiKey);
      request.tenant = tenant;
      request.user = principal;
      const scope = meta<string>(API_KEY_SCOPE);
      if (!scope || !principal.apiKey!.scopes.includes(scope)) throw AuthErrors.scopeMissing();
      // The scope opens the route to keys; the creator's current role must be allowed there too.
      if (!meta<Role[]>(ROLES)?.includes(principal.role)) throw AuthErrors.forbidden();
      return true;
    }

    if (!isPublic) await this.authenticate(context, request);
    const principal = request.user;
    if (!withoutTenant) {
      // The tenant is known before the roles are checked, so refused attempts reach its audit trail.
      const fromRequest = isPublic ? meta<(r: FastifyRequest) => string | undefined>(TENANT_FROM)?.(request) : undefined;
      request.tenant = await this.resolver.resolve({ ...hints, tokenTenant: principal?.tid ?? fromRequest });
      if (request.tenant && principal?.scope === 'tenant') await this.sessions.assertCurrent(request.tenant, principal);
    }
    if (principal?.scope === 'platform') await this.sessions.assertPlatformCurrent(principal);
    if (principal) {
      if (!meta<Role[]>(ROLES)?.includes(principal.role)) throw AuthErrors.forbidden();
      if (withoutTenant ? principal.scope !== 'platform' : principal.scope !== 'tenant') throw AuthErrors.wrongScope();
    }
    if (!withoutTenant && !request.tenant) throw TenancyErrors.required();
    return true;
  }

  /** passport-jwt verifies a token the first time; later requests with it reuse that verdict until it expires. */
  private async authenticate(context: ExecutionContext, request: AccessRequest): Promise<void> {
    const token = /^Bearer\s+(\S+)$/i.exec(header(request, 'authorization') ?? '')?.[1];
    const known = token ? this.verified.get(token) : undefined;
    if (known) {
      request.user = known;
      return;
    }
    await super.canActivate(context);
    const exp = token ? (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { exp: number }).exp : 0;
    if (token && request.user) this.verified.remember(token, request.user, exp);
  }

  override handleRequest<T>(error: unknown, user: T): T {
    if (error || !user) throw AuthErrors.badToken();
    return user;
  }
}
