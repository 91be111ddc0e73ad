import { ApiProperty } from '@nestjs/swagger';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { JWT_ALGORITHM, KeyStore } from './key-store';
import type { Role, TenantRole } from './roles';

export interface AccessToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** A sign-in or refresh answer: a short-lived access token and the refresh token that renews it. */
export class TokenPair implements AccessToken {
  @ApiProperty({ description: 'a JWT (ES256) for `Authorization: Bearer`' })
  accessToken: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType: 'Bearer';

  @ApiProperty({ type: 'integer', minimum: 1, description: 'seconds until the access token expires' })
  expiresIn: number;

  @ApiProperty({ description: 'single use: spent by /refresh, which answers a new one' })
  refreshToken: string;
}

/** Issues access tokens: `sub`, `tid` (tenant tokens), `role`, `scope`, `ver`, `fam`, `iss`, `aud`, `exp`, `jti`. */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly keys: KeyStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  issue(subject: { sub: string; role: Role; tid?: string; ver?: number; fam: string }): AccessToken {
    const ttl = this.config.jwt.accessTtlSeconds;
    const payload = subject.tid
      ? { tid: subject.tid, role: subject.role, scope: 'tenant', ver: subject.ver ?? 0, fam: subject.fam }
      : { role: subject.role, scope: 'platform', fam: subject.fam };
    const accessToken = this.jwt.sign(payload, {
      algorithm: JWT_ALGORITHM,
      privateKey: this.keys.signing.privateKeyPem,
      keyid: this.keys.signing.kid,
      subject: subject.sub,
      issuer: this.config.jwt.issuer,
      audience: this.config.jwt.audience,
      expiresIn: ttl,
      jwtid: randomUUID(),
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: ttl };
  }

  /**
   * A support session's access token (no refresh token): the tenant user's claims, `act` naming the
   * platform user (RFC 8693), `fam` the session (ending it revokes the token everywhere), issued at
   * `issuedAt` and expiring exactly at `expiresAt` (whole seconds).
   */
  issueSupport(session: {
    sub: string;
    role: TenantRole;
    tid: string;
    ver: number;
    sessionId: string;
    actor: string;
    issuedAt: Date;
    expiresAt: Date;
  }): string {
    const payload = {
      tid: session.tid,
      role: session.role,
      scope: 'tenant',
      ver: session.ver,
      fam: session.sessionId,
      act: { sub: session.actor },
      iat: Math.floor(session.issuedAt.getTime() / 1000),
      exp: Math.floor(session.expiresAt.getTime() / 1000),
    };
    return this.jwt.sign(payload, {
      algorithm: JWT_ALGORITHM,
      privateKey: this.keys.signing.privateKeyPem,
      keyid: this.keys.signing.kid,
      subject: session.sub,
      issuer: this.config.jwt.issuer,
      audience: this.config.jwt.audience,
      jwtid: randomUUID(),
    });
  }
}
