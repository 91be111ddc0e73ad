// @app/config decorates with class-transformer, which needs the Reflect metadata API the entry points load first.
import 'reflect-metadata';
import { acceptableHeader, toPrincipal } from './jwt.strategy';
import { TENANT_ROLES } from './roles';

const tenantClaims = {
  sub: 'user-1',
  role: 'manager',
  tid: 'acme',
  scope: 'tenant',
  jti: 'jti-1',
  ver: 3,
  fam: 'fam-1',
  exp: 2_000_000_000,
};
const platformClaims = { sub: 'root-1', role: 'super_admin', scope: 'platform', jti: 'jti-2', exp: 2_000_000_000 };

describe('toPrincipal', () => {
  it.each(TENANT_ROLES)('accepts a tenant token with role %s', (role) => {
    expect(toPrincipal({ ...tenantClaims, role })).toEqual({
      sub: 'user-1',
      role,
      tid: 'acme',
      scope: 'tenant',
      jti: 'jti-1',
      ver: 3,
      fam: 'fam-1',
    });
  });

  it('keeps only the claims a principal has', () => {
    const principal = toPrincipal({ ...tenantClaims, iat: 1, exp: 2, iss: 'tessera', aud: 'tessera-api' } as Parameters<
      typeof toPrincipal
    >[0]);
    expect(principal).toEqual({
      sub: 'user-1',
      role: 'manager',
      tid: 'acme',
      scope: 'tenant',
      jti: 'jti-1',
      ver: 3,
      fam: 'fam-1',
    });
  });

  it.each([undefined, '3', 1.5, null])('refuses a tenant token whose token version is %p', (ver) => {
    expect(toPrincipal({ ...tenantClaims, ver })).toBeNull();
  });

  it.each([1, null, {}])('refuses a token whose family is %p', (fam) => {
    expect(toPrincipal({ ...tenantClaims, fam })).toBeNull();
  });

  it.each([undefined, '2000000000', 1.5])('refuses a token whose exp is %p (it would never expire)', (exp) => {
    expect(toPrincipal({ ...tenantClaims, exp })).toBeNull();
  });

  it('accepts a platform token, without a tenant', () => {
    const principal = toPrincipal(platformClaims);
    expect(principal).toEqual({ sub: 'root-1', role: 'super_admin', scope: 'platform', jti: 'jti-2' });
    expect(principal).not.toHaveProperty('tid');
  });

  it('refuses a platform token that names a tenant', () => {
    expect(toPrincipal({ ...platformClaims, tid: 'acme' })).toBeNull();
  });

  it.each(TENANT_ROLES)('refuses a platform token with the tenant role %s', (role) => {
    expect(toPrincipal({ ...platformClaims, role })).toBeNull();
  });

  it('refuses a tenant token claiming super_admin', () => {
    expect(toPrincipal({ ...tenantClaims, role: 'super_admin' })).toBeNull();
  });

  it.each(['owner', 'admin', 'Manager', '', undefined, null, 1, ['manager']])('refuses the unknown role %p', (role) => {
    expect(toPrincipal({ ...tenantClaims, role })).toBeNull();
  });

  it.each(['sub', 'jti'] as const)('refuses a token without %s', (claim) => {
    const claims: Record<string, unknown> = { ...tenantClaims };
    delete claims[claim];
    expect(toPrincipal(claims)).toBeNull();
    expect(toPrincipal({ ...platformClaims, [claim]: undefined })).toBeNull();
  });

  it('keeps the acting platform user and the expiry of a support session token', () => {
    expect(toPrincipal({ ...tenantClaims, act: { sub: 'root-1' } })).toEqual({
      sub: 'user-1',
      role: 'manager',
      tid: 'acme',
      scope: 'tenant',
      jti: 'jti-1',
      ver: 3,
      fam: 'fam-1',
      act: { sub: 'root-1' },
      exp: 2_000_000_000,
    });
  });

  it.each([null, 'root-1', [], {}, { sub: 42 }, { sub: '' }, { sub: 'root-1', act: { sub: 'other' } }])(
    'refuses a malformed act claim (%p)',
    (act) => {
      expect(toPrincipal({ ...tenantClaims, act })).toBeNull();
    },
  );

  it('refuses a support session token without its session (fam) or on the platform', () => {
    expect(toPrincipal({ ...tenantClaims, fam: undefined, act: { sub: 'root-1' } })).toBeNull();
    expect(toPrincipal({ ...platformClaims, act: { sub: 'root-2' } })).toBeNull();
  });

  it.each([42, null, { id: 'user-1' }])('refuses a non-string sub or jti (%p)', (value) => {
    expect(toPrincipal({ ...tenantClaims, sub: value })).toBeNull();
    expect(toPrincipal({ ...tenantClaims, jti: value })).toBeNull();
  });

  it.each([42, null, undefined, ['acme'], { slug: 'acme' }])('refuses a tenant token whose tid is %p', (tid) => {
    expect(toPrincipal({ ...tenantClaims, tid })).toBeNull();
  });

  it.each(['Tenant', 'platform-admin', '', undefined, 7])('refuses the unknown scope %p', (scope) => {
    expect(toPrincipal({ ...tenantClaims, scope })).toBeNull();
    expect(toPrincipal({ ...platformClaims, scope })).toBeNull();
  });

  it('refuses empty claims', () => {
    expect(toPrincipal({})).toBeNull();
  });
});

describe('acceptableHeader', () => {
  it('accepts our algorithm without crit', () => {
    expect(acceptableHeader({ alg: 'ES256', kid: 'k1' })).toBe(true);
  });

  it.each([[['exp']], [['b64']], [[]], ['exp'], [null]])(
    'refuses a crit header %p (we understand no extension, RFC 7515 §4.1.11)',
    (crit) => {
      expect(acceptableHeader({ alg: 'ES256', kid: 'k1', crit })).toBe(false);
    },
  );

  it.each(['none', 'HS256', 'RS256', undefined])('refuses alg %p', (alg) => {
    expect(acceptableHeader({ alg, kid: 'k1' })).toBe(false);
  });
});
