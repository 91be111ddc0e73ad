import { AppException } from '@app/common';
import { TenantBudget, TenantRequest, WITHOUT_TENANT } from '@app/tenancy';
import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS, AccessOptions } from './access.decorator';
import { AccessAttempt, AccessPolicy, RouteAccess } from './access-policy';
import { IS_PUBLIC, TENANT_FROM, type TenantSource } from './auth.decorators';
import { NOT_IN_SUPPORT_SESSION, type SupportSessionLimit } from './support-access/not-in-support-session.decorator';
import { AuthErrors } from './auth.exception';
import type { Principal } from './roles';
import { VerifiedTokens } from './verified-tokens';

type AccessRequest = TenantRequest & { user?: Principal };

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The one global guard, deny by default: it reads the route's decorators and the request's
 * credentials — a bearer token (passport-jwt) or an `X-API-Key` — and leaves every decision
 * (tenant, session, role, scope) to AccessPolicy.
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly policy: AccessPolicy,
    private readonly verified: VerifiedTokens,
    private readonly budget: TenantBudget,
  ) {
    super();
  }

  /** Synchronous when the caller's token was verified before and the policy decides from memory (nearly every request). */
  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const meta = <T>(key: string) => this.reflector.getAllAndOverride<T | undefined>(key, targets);
    const tenantSource = meta<TenantSource>(TENANT_FROM);
    const route: RouteAccess = {
      isPublic: meta<boolean>(IS_PUBLIC) ?? false,
      withoutTenant: meta<boolean>(WITHOUT_TENANT) ?? false,
      access: meta<AccessOptions>(ACCESS),
      unknownTenant: tenantSource?.unknown,
      notInSupportSession: meta<SupportSessionLimit>(NOT_IN_SUPPORT_SESSION),
    };
    const request = context.switchToHttp().getRequest<AccessRequest>();
    const attempt: AccessAttempt = {
      hints: { header: request.headers['x-tenant-id'], host: request.headers.host },
      tenantFromRequest: tenantSource?.read(request),
      body: request.body,
    };
    let pending: void | Promise<void>;
    try {
      pending = this.admit(context, request, route, attempt);
    } catch (error) {
      return this.refuse(context, request, attempt, error);
    }
    if (!pending) return this.pass(context, request, attempt);
    return pending.then(
      () => this.pass(context, request, attempt),
      (error: unknown) => this.refuse(context, request, attempt, error),
    );
  }

  private admit(
    context: ExecutionContext,
    request: AccessRequest,
    route: RouteAccess,
    attempt: AccessAttempt,
  ): void | Promise<void> {
    const apiKey = header(request, 'x-api-key');
    if (!route.isPublic && apiKey !== undefined && request.headers.authorization === undefined)
      return this.policy.admitApiKey(route, apiKey, attempt);
    if (route.isPublic) return this.policy.admitNow(route, attempt);
    const token = /^Bearer\s+(\S+)$/i.exec(header(request, 'authorization') ?? '')?.[1];
    // passport-jwt verifies a token the first time; later requests with it reuse that verdict until it expires.
    const known = token ? this.verified.get(token) : undefined;
    if (known) {
      attempt.user = known;
      return this.policy.admitNow(route, attempt);
    }
    return this.authenticate(context, request, token).then((user) => {
      attempt.user = user;
      return this.policy.admitNow(route, attempt);
    });
  }

  private pass(context: ExecutionContext, request: AccessRequest, attempt: AccessAttempt): true {
    request.user = attempt.user;
    request.tenant = attempt.tenant;
    this.markSupportSession(context, attempt);
    return true;
  }

  /** Every answer in a support session names the platform user acting (API.md). */
  private markSupportSession(context: ExecutionContext, attempt: AccessAttempt): void {
    const actor = attempt.user?.act?.sub;
    if (actor) void context.switchToHttp().getResponse<FastifyReply>().header('X-Impersonated-By', actor);
  }

  /** Refused attempts keep what was learnt: the audit trail and the log line name tenant and caller. */
  private async refuse(
    context: ExecutionContext,
    request: AccessRequest,
    attempt: AccessAttempt,
    error: unknown,
  ): Promise<never> {
    request.user = attempt.user;
    request.tenant = attempt.tenant;
    this.markSupportSession(context, attempt);
    // A current caller refused a role or scope (403) spends; a bad or revoked credential (401) is nobody's.
    if (error instanceof AppException && error.status === 403)
      await this.budget.spendRefused(request, context.switchToHttp().getResponse<FastifyReply>());
    throw error;
  }

  private async authenticate(
    context: ExecutionContext,
    request: AccessRequest,
    token: string | undefined,
  ): Promise<Principal | undefined> {
    await super.canActivate(context);
    if (token && request.user) this.verified.remember(token, request.user);
    return request.user;
  }

  override handleRequest<T>(error: unknown, user: T): T {
    if (error || !user) throw AuthErrors.badToken();
    return user;
  }
}
