import { PlatformUser } from '@app/catalog';
import { normalizeEmail } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuthErrors } from './auth.exception';
import { LoginDto } from './dto/login.dto';
import { LiveSessions } from './live-sessions';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { RefreshTokens } from './refresh-tokens';
import type { Principal } from './roles';
import { TokenPair, TokenService } from './token.service';

export const DEV_PLATFORM_ADMIN = { email: 'admin@tessera.local', password: 'tessera-dev-admin' } as const;

const TABLE = 'platform_refresh_tokens';

/** Sign-in of platform users (super_admin), kept in the catalog. */
@Injectable()
export class PlatformAuthService {
  private readonly logger = new Logger('PlatformAuth');

  constructor(
    private readonly orm: MikroORM,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly refresh: RefreshTokens,
    private readonly throttle: LoginThrottle,
    private readonly sessions: LiveSessions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(dto: LoginDto, ip: string): Promise<TokenPair> {
    const account = LoginThrottle.account('platform', dto.email);
    await this.throttle.reserve(account, ip);
    const em = this.orm.em.fork();
    const user = await em.findOne(PlatformUser, { email: dto.email.toLowerCase() });
    const ok = user
      ? await this.hasher.verify(user.passwordHash, dto.password)
      : await this.hasher.verifyNobody(dto.password);
    if (!user || !ok || !user.active) throw AuthErrors.badCredentials();
    await this.throttle.succeeded(account, ip);
    const refresh = await this.refresh.issue(em, TABLE, user.id, 'prt');
    return {
      ...this.tokens.issue({ sub: user.id, role: 'super_admin', fam: refresh.familyId }),
      refreshToken: refresh.token,
    };
  }

  async rotate(refreshToken: string): Promise<TokenPair> {
    const em = this.orm.em.fork();
    const { subject: user, refresh } = await this.refresh.rotate(
      em,
      TABLE,
      refreshToken,
      'prt',
      (subjectId) => em.findOne(PlatformUser, { id: subjectId, active: true }),
      ({ familyId }) => this.sessions.familyRevoked('platform', familyId),
    );
    return {
      ...this.tokens.issue({ sub: user.id, role: 'super_admin', fam: refresh.familyId }),
      refreshToken: refresh.token,
    };
  }

  async logout(principal: Principal): Promise<void> {
    if (!principal.fam) return;
    await this.refresh.revokeFamily(this.orm.em.fork(), TABLE, principal.fam);
    await this.sessions.familyRevoked('platform', principal.fam);
  }

  /** Creates the first super admin when the platform has none (PLATFORM_ADMIN_EMAIL/PASSWORD, else dev defaults). */
  async bootstrapAdmin(): Promise<void> {
    const em = this.orm.em.fork();
    if ((await em.count(PlatformUser, {})) > 0) return;
    let { email, password } = this.config.platformAdmin;
    if (!email || !password) {
      if (this.config.env === 'production') {
        throw new Error(
          'PLATFORM_ADMIN_EMAIL and PLATFORM_ADMIN_PASSWORD must be set to create the first platform admin',
        );
      }
      ({ email, password } = DEV_PLATFORM_ADMIN);
      this.logger.warn(
        `created the development platform admin ${email} / ${password}: set PLATFORM_ADMIN_EMAIL and PLATFORM_ADMIN_PASSWORD for anything else`,
      );
    }
    em.create(PlatformUser, {
      email: normalizeEmail(email),
      name: 'Platform admin',
      passwordHash: await this.hasher.hash(password),
    });
    try {
      await em.flush();
    } catch (error) {
      // A process starting beside this one created it first.
      if ((error as { code?: string }).code !== '23505' && !String((error as Error).name).includes('UniqueConstraint'))
        throw error;
    }
  }
}
