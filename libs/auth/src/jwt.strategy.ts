import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { JWT_ALGORITHM, KeyStore } from './key-store';
import { Principal, Role, TENANT_ROLES } from './roles';

interface AccessClaims {
  sub?: unknown;
  role?: unknown;
  tid?: unknown;
  scope?: unknown;
  jti?: unknown;
  ver?: unknown;
  fam?: unknown;
  exp?: unknown;
  act?: unknown;
}

/** Checks the claims beyond the signature: a well-formed tenant or platform token, nothing else. */
export function toPrincipal(claims: AccessClaims): Principal | null {
  const { sub, role, tid, scope, jti, ver, fam, exp, act } = claims;
  // jsonwebtoken checks `exp` only when present: a token without one would never expire.
  if (typeof sub !== 'string' || typeof jti !== 'string' || !Number.isInteger(exp)) return null;
  if (fam !== undefined && typeof fam !== 'string') return null;
  const family = fam === undefined ? {} : { fam };
  const actor = actorOf(act);
  if (actor === null || (actor && fam === undefined)) return null;
  if (scope === 'platform' && role === 'super_admin' && tid === undefined && !actor)
    return { sub, role, scope, jti, ...family };
  if (
    scope === 'tenant' &&
    typeof tid === 'string' &&
    (TENANT_ROLES as readonly unknown[]).includes(role) &&
    Number.isInteger(ver)
  ) {
    const session = actor ? { act: actor, exp: exp as number } : {};
    return { sub, role: role as Role, tid, scope, jti, ver: ver as number, ...family, ...session };
  }
  return null;
}

/**
 * The `act` claim of a support session (RFC 8693 §4.1): undefined when absent, null when
 * malformed. Only one level: a support session never nests another actor, and it always names
 * its session (`fam`), which is how it is revoked.
 */
function actorOf(act: unknown): { sub: string } | undefined | null {
  if (act === undefined) return undefined;
  if (!act || typeof act !== 'object' || Array.isArray(act)) return null;
  const { sub, ...rest } = act as Record<string, unknown>;
  return typeof sub === 'string' && sub.length > 0 && Object.keys(rest).length === 0 ? { sub } : null;
}

/** passport-jwt: one algorithm, keys only from our own key set (by `kid`), `iss`/`aud`/`exp` checked. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(keys: KeyStore, @Inject(APP_CONFIG) config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      algorithms: [JWT_ALGORITHM],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: 30 },
      secretOrKeyProvider: (_request: unknown, rawJwt: string, done: (err: Error | null, key?: string) => void) => {
        const header = decodeHeader(rawJwt);
        const key = header && acceptableHeader(header) ? keys.verificationKey(header.kid) : undefined;
        if (!key) done(new Error('unknown signing key'));
        // jsonwebtoken takes a KeyObject as it is; the type says string only.
        else done(null, key as unknown as string);
      },
    });
  }

  validate(claims: AccessClaims): Principal | false {
    return toPrincipal(claims) ?? false;
  }
}

export interface JoseHeader {
  alg?: unknown;
  kid?: unknown;
  crit?: unknown;
}

/**
 * Our one algorithm, and no `crit`: we understand no JWS extension, so a token that marks any
 * header as critical must be refused (RFC 7515 §4.1.11) — jsonwebtoken itself ignores `crit`.
 */
export function acceptableHeader(header: JoseHeader): boolean {
  return header.alg === JWT_ALGORITHM && !Object.prototype.hasOwnProperty.call(header, 'crit');
}

export function decodeHeader(rawJwt: string): JoseHeader | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(rawJwt.split('.')[0] ?? '', 'base64url').toString('utf8'));
    return header && typeof header === 'object' && !Array.isArray(header) ? (header as JoseHeader) : undefined;
  } catch {
    return undefined;
  }
}
