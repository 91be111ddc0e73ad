import { IdProperty, normalizeEmail } from '@app/common';
import { TENANT_SLUG_PATTERN, TenantContext } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { AuthAudit, ClientInfo } from './auth-audit';
import { AuthErrors } from './auth.exception';
import { LoginDto } from './dto/login.dto';
import { LiveSessions } from './live-sessions';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { SupportSessionsService } from './support-access/support-sessions.service';
import { RefreshTokens } from './refresh-tokens';
import { TENANT_ROLES, type Principal } from './roles';
import { TokenPair, TokenService } from './token.service';
import { User } from './user.entity';

/** The signed-in tenant user. */
export class Me {
  @IdProperty()
  id: string;

  @ApiProperty({ format: 'email' })
  email: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ enum: TENANT_ROLES, enumName: 'TenantRole' })
  role: string;

  @ApiProperty({ pattern: TENANT_SLUG_PATTERN.source, description: 'the tenant slug' })
  tenant: string;
}

const TABLE = 'refresh_tokens';
const REFRESH_PREFIX = /^rt\.([a-z][a-z0-9-]{1,38}[a-z0-9])\./;

/** The tenant a refresh token belongs to (tokens are `rt.<slug>.<secret>`). */
export function refreshTokenTenant(token: unknown): string | undefined {
  return typeof token === 'string' ? REFRESH_PREFIX.exec(token)?.[1] : undefined;
}

/** Sign-in, refresh and sign-out of tenant users, against the tenant's own database; each leaves an entry in the tenant's audit trail. */
@Injectable()
export class AuthService {
  constructor(
    private readonly tenancy: TenantContext,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly refresh: RefreshTokens,
    private readonly throttle: LoginThrottle,
    private readonly sessions: LiveSessions,
    private readonly audit: AuthAudit,
    private readonly support: SupportSessionsService,
  ) {}

  async login(dto: LoginDto, client: ClientInfo): Promise<TokenPair> {
    const { tenant, em } = this.tenancy;
    const email = normalizeEmail(dto.email);
    const account = LoginThrottle.account(tenant.id, email);
    const ip = client.ip ?? 'unknown';
    // Counted before the password is checked: a 429 here checks nothing and writes nothing.
    await this.throttle.reserve(account, ip);
    const user = await em.getRepository(User).findForLogin(dto.email);
    const ok = user
      ? await this.hasher.verify(user.passwordHash, dto.password)
      : await this.hasher.verifyNobody(dto.password);
    if (!user || !ok || !user.active) {
      await this.audit.record(
        em,
        tenant,
        { action: 'auth.login', outcome: 'denied', user: user && { id: user.id, role: user.role }, email },
        client,
      );
      throw AuthErrors.badCredentials();
    }
    await this.throttle.succeeded(account, ip);
    const pair = await this.signIn(user);
    await this.audit.record(
      em,
      tenant,
      { action: 'auth.login', outcome: 'success', user: { id: user.id, role: user.role }, email },
      client,
    );
    return pair;
  }

  async rotate(refreshToken: string, client: ClientInfo): Promise<TokenPair> {
    const { tenant, em } = this.tenancy;
    const { subject: user, refresh } = await this.refresh.rotate(
      em,
      TABLE,
      refreshToken,
      `rt.${tenant.slug}`,
      (subjectId) => em.findOne(User, { id: subjectId, active: true }),
      async ({ familyId, subjectId }) => {
        await this.sessions.familyRevoked(tenant.id, familyId);
        const owner = await em.findOne(User, { id: subjectId }, { fields: ['role'] });
        await this.audit.record(
          em,
          tenant,
          { action: 'auth.refresh', outcome: 'denied', user: { id: subjectId, role: owner?.role ?? '' } },
          client,
        );
      },
    );
    await this.audit.record(
      em,
      tenant,
      { action: 'auth.refresh', outcome: 'success', user: { id: user.id, role: user.role } },
      client,
    );
    return { ...this.accessToken(user, refresh.familyId), refreshToken: refresh.token };
  }

  async logout(principal: Principal, client: ClientInfo): Promise<void> {
    if (!principal.fam) return;
    if (principal.act) return this.support.signedOut(principal, client);
    const { tenant, em } = this.tenancy;
    await this.refresh.revokeFamily(em, TABLE, principal.fam);
    await this.sessions.familyRevoked(tenant.id, principal.fam);
    await this.audit.record(
      em,
      tenant,
      { action: 'auth.logout', outcome: 'success', user: { id: principal.sub, role: principal.role } },
      client,
    );
  }

  async me(principal: Principal): Promise<Me> {
    const user = await this.tenancy.em.findOne(User, { id: principal.sub, active: true });
    if (!user) throw AuthErrors.badToken();
    return { id: user.id, email: user.email, name: user.name, role: user.role, tenant: this.tenancy.tenant.slug };
  }

  private async signIn(user: User): Promise<TokenPair> {
    const refresh = await this.refresh.issue(this.tenancy.em, TABLE, user.id, `rt.${this.tenancy.tenant.slug}`);
    return { ...this.accessToken(user, refresh.familyId), refreshToken: refresh.token };
  }

  private accessToken(user: User, familyId: string): Omit<TokenPair, 'refreshToken'> {
    return this.tokens.issue({
      sub: user.id,
      role: user.role,
      tid: this.tenancy.tenant.slug,
      ver: user.tokenVersion,
      fam: familyId,
    });
  }
}
