import { APP_CONFIG, AppConfig } from '@app/config';
import type { ResolvedTenant } from '@app/tenancy';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AuthErrors } from './auth.exception';
import { acceptableHeader, decodeHeader, toPrincipal } from './jwt.strategy';
import { JWT_ALGORITHM, KeyStore } from './key-store';
import { LiveSessions } from './live-sessions';
import type { Principal } from './roles';

/**
 * Verifies an access token outside the Nest guard chain (e.g. for the queues board, a Fastify
 * plugin) with exactly the guard's rules: ES256 only, our `kid`s only, `iss`/`aud`/`exp`, the
 * claims of a tenant or platform token, and a platform sign-in that was not signed out.
 */
@Injectable()
export class TokenVerifier {
  constructor(
    private readonly jwt: JwtService,
    private readonly keys: KeyStore,
    private readonly sessions: LiveSessions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async platformAdmin(token: string): Promise<Principal> {
    const principal = this.verify(token);
    if (principal.scope !== 'platform' || principal.role !== 'super_admin') throw AuthErrors.forbidden();
    await this.sessions.assertPlatformCurrent(principal);
    return principal;
  }

  /**
   * A tenant user's bearer token, still good for this tenant: signature and expiry, the tenant's own
   * token, and the user still active at the token's version in a live family (for long responses,
   * such as the event stream, that check their caller again while they last).
   */
  async tenantUser(token: string, tenant: ResolvedTenant): Promise<Principal> {
    const principal = this.verify(token);
    if (principal.scope !== 'tenant' || principal.tid !== tenant.slug || principal.apiKey) throw AuthErrors.badToken();
    await this.sessions.assertCurrent(tenant, principal);
    return principal;
  }

  private verify(token: string): Principal {
    try {
      const header = decodeHeader(token);
      const key = header && acceptableHeader(header) ? this.keys.verificationKey(header.kid) : undefined;
      if (!key) throw new Error('unknown key');
      const claims = this.jwt.verify(token, {
        publicKey: key as unknown as string,
        algorithms: [JWT_ALGORITHM],
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
        clockTolerance: 30,
      });
      const principal = toPrincipal(claims);
      if (!principal) throw new Error('bad claims');
      return principal;
    } catch {
      throw AuthErrors.badToken();
    }
  }
}
