import { AppException } from '@app/common';
import { ResolvedTenant, TenancyErrors, TenantHints, TenantResolver } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import type { AccessOptions } from './access.decorator';
import { apiKeyTenant, ApiKeysService } from './api-keys/api-keys.service';
import { AuthErrors } from './auth.exception';
import { LiveSessions } from './live-sessions';
import type { Principal } from './roles';
import { refusedInSupportSession, type SupportSessionLimit } from './support-access/not-in-support-session.decorator';

/** What a route asks of its caller, read from its decorators. */
export interface RouteAccess {
  /** @Public(): no credentials needed. */
  isPublic: boolean;
  /** @WithoutTenant(): the route serves no tenant (platform API, health, keys). */
  withoutTenant: boolean;
  /** @Access: undefined means nobody may call the route (deny by default). */
  access?: AccessOptions;
  /** @TenantFrom: the answer when the tenant read from the request is unknown, or none is named at all. */
  unknownTenant?: () => Error;
  /** @NotInSupportSession: what a support session's token may not do here. */
  notInSupportSession?: SupportSessionLimit;
}

/**
 * One request's attempt: what the caller sent, and what the policy learns about it. The tenant
 * and the caller are written as soon as they are known, so a refused attempt still names them
 * (the audit trail of denials, the request's log line).
 */
export interface AccessAttempt {
  /** X-Tenant-ID and Host. */
  hints: Pick<TenantHints, 'header' | 'host'>;
  /** A public route's tenant read from the request (@TenantFrom). */
  tenantFromRequest?: string;
  /** The verified bearer-token caller, or the API key's once authenticated. */
  user?: Principal;
  tenant?: ResolvedTenant;
  /** The parsed body, for @NotInSupportSession({ fields }). */
  body?: unknown;
}

/**
 * The access rules of every HTTP route, deny by default:
 * - a credential is valid only for its own tenant (token `tid`, key prefix; else 403);
 * - a tenant token must still be current (user active, same role and version, live family);
 * - the caller's role must be among the route's @Access roles; an API key also needs the
 *   route's scope, and acts with no more than its creator's current role;
 * - platform tokens never reach tenant routes, nor tenant credentials platform ones.
 */
@Injectable()
export class AccessPolicy {
  constructor(
    private readonly resolver: TenantResolver,
    private readonly apiKeys: ApiKeysService,
    private readonly sessions: LiveSessions,
  ) {}

  /** A request to a protected route with `X-API-Key` (and no bearer token). */
  async admitApiKey(route: RouteAccess, key: string, attempt: AccessAttempt): Promise<void> {
    if (route.withoutTenant) throw AuthErrors.wrongScope();
    const tenantOfKey = apiKeyTenant(key);
    if (!tenantOfKey) throw AuthErrors.badApiKey();
    const tenant = await this.resolver.resolve({ ...attempt.hints, tokenTenant: tenantOfKey });
    if (!tenant) throw TenancyErrors.required();
    const principal = await this.apiKeys.authenticate(tenant, key);
    attempt.tenant = tenant;
    attempt.user = principal;
    const scope = route.access?.apiKeyScope;
    if (!scope || !principal.apiKey?.scopes.includes(scope)) throw AuthErrors.scopeMissing();
    // The scope opens the route to keys; the creator's current role must be allowed there too.
    this.assertRole(route, principal);
  }

  /** Any other request: `attempt.user` is the verified bearer-token caller, none on a public route. */
  async admit(route: RouteAccess, attempt: AccessAttempt): Promise<void> {
    await this.admitNow(route, attempt);
  }

  /**
   * `admit`, synchronous when everything it needs is in this process's memory (the tenant, the
   * caller's state): a refusal is then thrown, and a promise comes only from a lookup. The same
   * steps in the same order either way.
   */
  admitNow(route: RouteAccess, attempt: AccessAttempt): void | Promise<void> {
    const principal = attempt.user;
    if (!principal && !route.isPublic) throw AuthErrors.badToken();
    // A support session ends to the second: no clock tolerance past its `exp`.
    if (principal?.act && (principal.exp ?? 0) * 1000 <= Date.now()) throw AuthErrors.badToken();
    if (route.withoutTenant) return this.admitCaller(route, attempt);
    // The tenant is known before the roles are checked, so refused attempts reach its audit trail.
    const tokenTenant = principal?.tid ?? (route.isPublic ? attempt.tenantFromRequest : undefined);
    const tenant = this.resolveTenant(route, attempt, tokenTenant, principal === undefined);
    if (tenant instanceof Promise) return tenant.then((resolved) => this.admitInTenant(route, attempt, resolved));
    return this.admitInTenant(route, attempt, tenant);
  }

  private admitInTenant(
    route: RouteAccess,
    attempt: AccessAttempt,
    tenant: ResolvedTenant | undefined,
  ): void | Promise<void> {
    attempt.tenant = tenant;
    const principal = attempt.user;
    const current =
      tenant && principal?.scope === 'tenant' ? this.sessions.assertCurrent(tenant, principal) : undefined;
    if (current) return current.then(() => this.admitCaller(route, attempt));
    return this.admitCaller(route, attempt);
  }

  /** The session of a platform caller, then role, scope and tenant: the checks that need no tenant lookup. */
  private admitCaller(route: RouteAccess, attempt: AccessAttempt): void | Promise<void> {
    const principal = attempt.user;
    const current = principal?.scope === 'platform' ? this.sessions.assertPlatformCurrent(principal) : undefined;
    if (current) return current.then(() => this.assertAllowed(route, attempt));
    this.assertAllowed(route, attempt);
  }

  private assertAllowed(route: RouteAccess, attempt: AccessAttempt): void {
    const principal = attempt.user;
    if (principal) {
      this.assertRole(route, principal);
      if (route.withoutTenant ? principal.scope !== 'platform' : principal.scope !== 'tenant')
        throw AuthErrors.wrongScope();
      if (principal.act && refusedInSupportSession(route.notInSupportSession, attempt.body))
        throw AuthErrors.notInSupportSession();
    }
    if (!route.withoutTenant && !attempt.tenant) throw TenancyErrors.required();
  }

  /**
   * A public route with @TenantFrom answers its own error (not 404 or 400) when the tenant read
   * from the request is unknown, or when nothing names a tenant; a header or host naming an
   * unknown tenant stays 404.
   */
  private resolveTenant(
    route: RouteAccess,
    attempt: AccessAttempt,
    tokenTenant: string | undefined,
    anonymous: boolean,
  ): ResolvedTenant | undefined | Promise<ResolvedTenant | undefined> {
    const hints = { ...attempt.hints, tokenTenant };
    const unknownTenant = route.isPublic && anonymous ? route.unknownTenant : undefined;
    if (!unknownTenant) return this.resolver.resolveNow(hints);
    return this.resolveOrAnswer(hints, tokenTenant, unknownTenant);
  }

  private async resolveOrAnswer(
    hints: TenantHints,
    tokenTenant: string | undefined,
    unknownTenant: () => Error,
  ): Promise<ResolvedTenant> {
    let tenant: ResolvedTenant | undefined;
    try {
      tenant = await this.resolver.resolveNow(hints);
    } catch (error) {
      const notFound = error instanceof AppException && error.code === 'tenant-not-found';
      throw notFound && tokenTenant !== undefined ? unknownTenant() : error;
    }
    if (!tenant) throw unknownTenant();
    return tenant;
  }

  private assertRole(route: RouteAccess, principal: Principal): void {
    if (!route.access?.roles.includes(principal.role)) throw AuthErrors.forbidden();
  }
}
