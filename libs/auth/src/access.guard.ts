import { TenantRequest, TenantResolver, WITHOUT_TENANT } from '@app/tenancy';
import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PUBLIC, ROLES } from './auth.decorators';
import { AuthErrors } from './auth.exception';
import type { Principal, Role } from './roles';

type AccessRequest = TenantRequest & { user?: Principal };

/**
 * The one global guard chain, deny by default:
 * 1. authenticate (passport-jwt) unless the route is @Public();
 * 2. authorise: the route's @Roles must include the caller's role — a route with neither
 *    @Public nor @Roles is refused for everyone;
 * 3. resolve the tenant (token `tid`, X-Tenant-ID, sub-domain); a token is only valid for
 *    its own tenant, and platform tokens never reach tenant routes.
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: TenantResolver,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ?? false;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    const withoutTenant = this.reflector.getAllAndOverride<boolean>(WITHOUT_TENANT, targets) ?? false;
    const request = context.switchToHttp().getRequest<AccessRequest>();

    if (!isPublic) {
      await super.canActivate(context);
      const principal = request.user!;
      if (!roles?.includes(principal.role)) throw AuthErrors.forbidden();
      if (withoutTenant ? principal.scope !== 'platform' : principal.scope !== 'tenant') throw AuthErrors.wrongScope();
    }
    if (!withoutTenant) {
      request.tenant = await this.resolver.resolve({
        header: request.headers['x-tenant-id'],
        host: request.headers.host,
        tokenTenant: request.user?.tid,
      });
      if (!request.tenant) throw AuthErrors.tenantRequired();
    }
    return true;
  }

  override handleRequest<T>(error: unknown, user: T): T {
    if (error || !user) throw AuthErrors.badToken();
    return user;
  }
}
