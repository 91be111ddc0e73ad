import { APP_CONFIG, AppConfig } from '@app/config';
import { ResolvedTenant, TenantCache, TenantContext, TenantOrmRegistry } from '@app/tenancy';
import { Inject, Injectable } from '@nestjs/common';
import { AuthErrors } from './auth.exception';
import { type Principal, TENANT_ROLES, type TenantRole } from './roles';
import { User } from './user.entity';

interface UserState {
  ver: number;
  active: boolean;
  role: string;
}

const USER_STATE_TTL_MS = 60_000;
/** The cache namespace of platform sign-ins (no tenant id is ever this). */
const PLATFORM = 'platform';

/**
 * Makes access tokens answer to the user's current state: a deactivated user, a changed role
 * or a signed-out token family stops working at once, not when the token expires. The user's
 * token version is read through a cache keyed by tenant; changes write the cache through.
 */
@Injectable()
export class LiveSessions {
  constructor(
    private readonly cache: TenantCache,
    private readonly registry: TenantOrmRegistry,
    private readonly tenancy: TenantContext,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Throws 401 unless the token's user is active, at the token's version, in a live family.
   * Synchronous when the answer is in this process's memory (the user's state cached, the
   * family's answered here): a refusal is then thrown, and a promise comes only from a read.
   */
  assertCurrent(tenant: ResolvedTenant, principal: Principal): void | Promise<void> {
    const cached = this.cache.getVersioned<UserState>(tenant.id, `user:${principal.sub}`);
    if (cached) return this.assertState(tenant, principal, cached);
    return this.userState(tenant, principal.sub).then((state) => this.assertState(tenant, principal, state));
  }

  /** Throws 401 when a platform token's sign-in was signed out (or its refresh token reused). */
  assertPlatformCurrent(principal: Principal): void | Promise<void> {
    if (principal.fam) return this.assertLiveFamily(PLATFORM, principal.fam);
  }

  private assertState(tenant: ResolvedTenant, principal: Principal, state: UserState | null): void | Promise<void> {
    if (!state || !state.active || state.ver !== (principal.ver ?? 0) || state.role !== principal.role)
      throw AuthErrors.badToken();
    if (principal.fam) return this.assertLiveFamily(tenant.id, principal.fam);
  }

  /** Synchronous when this process's tier answers alone (no shared tier, or the revocation held here). */
  private assertLiveFamily(tenantId: string, familyId: string): void | Promise<void> {
    const key = `fam:${familyId}`;
    const here = this.cache.peek<unknown>(tenantId, key);
    if (here) throw AuthErrors.badToken();
    if (this.cache.localOnly) return;
    return this.cache.get<unknown>(tenantId, key).then((revoked) => {
      if (revoked) throw AuthErrors.badToken();
    });
  }

  /** Whether a tenant user exists and is active (API keys die with their creator's account). */
  async isActive(tenant: ResolvedTenant, userId: string): Promise<boolean> {
    return (await this.userState(tenant, userId))?.active ?? false;
  }

  /** The role a tenant user holds now; null when the user is gone or deactivated (an API key acts with no more than this). */
  async currentRole(tenant: ResolvedTenant, userId: string): Promise<TenantRole | null> {
    const state = await this.userState(tenant, userId);
    return state?.active && (TENANT_ROLES as readonly string[]).includes(state.role)
      ? (state.role as TenantRole)
      : null;
  }

  /** Records a user's new state (after a role change, deactivation or password change). */
  async userChanged(tenantId: string, user: Pick<User, 'id' | 'tokenVersion' | 'active' | 'role'>): Promise<void> {
    const state: UserState = { ver: user.tokenVersion, active: user.active, role: user.role };
    await this.cache.shareVersioned(tenantId, `user:${user.id}`, state, user.tokenVersion, USER_STATE_TTL_MS);
  }

  /**
   * Access tokens of a signed-out family stop working for the rest of their lifetime (`tenantId`
   * 'platform' for platform sign-ins). `until`: when the family's last token expires, if later than
   * a sign-in's (a support session's token lives up to 8 hours).
   */
  async familyRevoked(tenantId: string, familyId: string, until?: Date): Promise<void> {
    const signIn = this.config.jwt.accessTtlSeconds * 1000;
    const ttl = Math.max(signIn, (until?.getTime() ?? 0) - Date.now()) + 60_000;
    await this.cache.share(tenantId, `fam:${familyId}`, true, ttl);
  }

  private async userState(tenant: ResolvedTenant, userId: string): Promise<UserState | null> {
    const key = `user:${userId}`;
    const cached = this.cache.getVersioned<UserState>(tenant.id, key);
    if (cached) return cached;
    const user = await this.registry.run(tenant, () =>
      this.tenancy.em.findOne(User, { id: userId }, { fields: ['tokenVersion', 'active', 'role'] }),
    );
    if (!user) return null;
    // Read before a change committed, this state is older than the one the change shared: it loses.
    return this.cache.setVersioned<UserState>(
      tenant.id,
      key,
      { ver: user.tokenVersion, active: user.active, role: user.role },
      user.tokenVersion,
      USER_STATE_TTL_MS,
    );
  }
}
