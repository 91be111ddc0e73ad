import { TenantContext } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { AuthErrors } from './auth.exception';
import { LoginDto } from './dto/login.dto';
import { LiveSessions } from './live-sessions';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { RefreshTokens } from './refresh-tokens';
import type { Principal } from './roles';
import { TokenPair, TokenService } from './token.service';
import { User } from './user.entity';

export interface Me {
  id: string;
  email: string;
  name: string;
  role: string;
  tenant: string;
}

const TABLE = 'refresh_tokens';
const REFRESH_PREFIX = /^rt\.([a-z][a-z0-9-]{1,38}[a-z0-9])\./;

/** The tenant a refresh token belongs to (tokens are `rt.<slug>.<secret>`). */
export function refreshTokenTenant(token: unknown): string | undefined {
  return typeof token === 'string' ? REFRESH_PREFIX.exec(token)?.[1] : undefined;
}

/** Sign-in, refresh and sign-out of tenant users, against the tenant's own database. */
@Injectable()
export class AuthService {
  constructor(
    private readonly tenancy: TenantContext,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly refresh: RefreshTokens,
    private readonly throttle: LoginThrottle,
    private readonly sessions: LiveSessions,
  ) {}

  async login(dto: LoginDto, ip: string): Promise<TokenPair> {
    const tenant = this.tenancy.tenant;
    const account = `${tenant.id}:${dto.email.toLowerCase()}`;
    this.throttle.assertAllowed(account, ip);
    const user = await this.tenancy.em.getRepository(User).findForLogin(dto.email);
    const ok = user ? await this.hasher.verify(user.passwordHash, dto.password) : await this.hasher.verifyNobody(dto.password);
    if (!user || !ok || !user.active) {
      this.throttle.recordFailure(account, ip);
      throw AuthErrors.badCredentials();
    }
    this.throttle.recordSuccess(account);
    return this.signIn(user);
  }

  async rotate(refreshToken: string): Promise<TokenPair> {
    const tenantId = this.tenancy.tenant.id;
    const grant = await this.refresh.spend(this.tenancy.em, TABLE, refreshToken, (familyId) => this.sessions.familyRevoked(tenantId, familyId));
    const user = await this.tenancy.em.findOne(User, { id: grant.subjectId, active: true });
    if (!user) throw AuthErrors.badRefresh();
    return this.signIn(user, { id: grant.familyId, expiresAt: grant.familyExpiresAt });
  }

  async logout(principal: Principal): Promise<void> {
    if (!principal.fam) return;
    await this.refresh.revokeFamily(this.tenancy.em, TABLE, principal.fam);
    await this.sessions.familyRevoked(this.tenancy.tenant.id, principal.fam);
  }

  async me(principal: Principal): Promise<Me> {
    const user = await this.tenancy.em.findOne(User, { id: principal.sub, active: true });
    if (!user) throw AuthErrors.badToken();
    return { id: user.id, email: user.email, name: user.name, role: user.role, tenant: this.tenancy.tenant.slug };
  }

  private async signIn(user: User, family?: { id: string; expiresAt: Date }): Promise<TokenPair> {
    const slug = this.tenancy.tenant.slug;
    const refresh = await this.refresh.issue(this.tenancy.em, TABLE, user.id, `rt.${slug}`, family);
    const access = this.tokens.issue({ sub: user.id, role: user.role, tid: slug, ver: user.tokenVersion, fam: refresh.familyId });
    return { ...access, refreshToken: refresh.token };
  }
}
