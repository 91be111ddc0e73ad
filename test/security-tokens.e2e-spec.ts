import jwt from 'jsonwebtoken';
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'supertest';
import { PLATFORM_ADMIN, TestApp, TestTenant } from './support/test-app';

type Claims = Record<string, unknown>;

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const partsOf = (token: string): [Claims, Claims, string] => {
  const [header, payload, signature] = token.split('.');
  return [
    JSON.parse(Buffer.from(header, 'base64url').toString()),
    JSON.parse(Buffer.from(payload, 'base64url').toString()),
    signature,
  ];
};
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
/** Drops the claims set to undefined (to forge a token that lacks one). */
const compact = (claims: Claims): Claims =>
  Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));

/** ES256 with any key, any header (jsonwebtoken adds `alg`/`typ`; `kid` only when given). */
function es256(claims: Claims, key: KeyObject | string, kid?: string, extraHeader: Claims = {}): string {
  return jwt.sign(compact(claims), key, {
    algorithm: 'ES256',
    ...(kid === undefined ? {} : { keyid: kid }),
    header: { alg: 'ES256', ...extraHeader },
  });
}

/** HS256 built by hand, so any byte string (even a public key PEM) can be the HMAC secret. */
function hs256(claims: Claims, secret: string, kid: string): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64(compact(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function expectUnauthorized(res: Response): void {
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.body).toMatchObject({ status: 401, type: expect.stringMatching(/\/unauthorized$/) });
  expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
}

describe('access tokens, refresh tokens and sign-in throttling (two tenants)', () => {
  let t: TestApp;
  let platformToken: string;
  let acme: TestTenant;
  let globex: TestTenant;
  let privateKey: KeyObject;
  let publicPem: string;
  let kid: string;
  let acmeAdmin: Claims; // the claims of acme's real admin token

  const login = (tenant: TestTenant | string | undefined, email: string, password: string) => {
    const req = t.http().post('/api/v1/auth/login');
    if (tenant) req.set('x-tenant-id', typeof tenant === 'string' ? tenant : tenant.slug);
    return req.send({ email, password });
  };
  const leads = (token: string, slug = acme.slug) =>
    t.http().get('/api/v1/leads').set('authorization', `Bearer ${token}`).set('x-tenant-id', slug);
  const refresh = (refreshToken: string, slug?: string) => {
    const req = t.http().post('/api/v1/auth/refresh');
    if (slug) req.set('x-tenant-id', slug);
    return req.send({ refreshToken });
  };
  /** A token exactly like ours: right key, kid, iss, aud, times and claims of acme's admin. */
  const valid = (over: Claims = {}): Claims => ({
    sub: acmeAdmin.sub,
    tid: acme.slug,
    role: 'company_admin',
    scope: 'tenant',
    ver: acmeAdmin.ver,
    iss: t.config.jwt.issuer,
    aud: t.config.jwt.audience,
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    jti: randomUUID(),
    ...over,
  });
  const createUser = async (tenant: TestTenant, email: string, role: string, password = `${role}-passphrase-123`) => {
    const res = await t
      .http()
      .post('/api/v1/users')
      .set('authorization', `Bearer ${tenant.token}`)
      .send({ email, name: email.split('@')[0], password, role })
      .expect(201);
    return { id: res.body.id as string, email, password };
  };

  beforeAll(async () => {
    t = await TestApp.start({ LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_IP: '1000' });
    platformToken = await t.platformToken();
    [acme, globex] = await Promise.all([
      t.createTenant('acme', platformToken),
      t.createTenant('globex', platformToken),
    ]);
    const pem = readFileSync(join(t.config.keysDir, 'jwt-es256.pem'), 'utf8');
    privateKey = createPrivateKey(pem);
    publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    const [header, claims] = partsOf(acme.token);
    kid = header.kid as string;
    acmeAdmin = claims;
  });
  afterAll(() => t?.stop());

  describe('JWKS', () => {
    it('publishes exactly our one EC P-256 public key at the root, without private parts', async () => {
      const res = await t.http().get('/.well-known/jwks.json').expect(200);
      expect(res.body.keys).toHaveLength(1);
      const [key] = res.body.keys;
      expect(key).toMatchObject({
        kty: 'EC',
        crv: 'P-256',
        kid,
        alg: 'ES256',
        use: 'sig',
        x: expect.any(String),
        y: expect.any(String),
      });
      expect(key).not.toHaveProperty('d');
      expect(JSON.stringify(res.body)).not.toContain(privateKey.export({ format: 'jwk' }).d as string);
      // It is the public half of the key that signs our tokens.
      const ours = createPublicKey(privateKey).export({ format: 'jwk' });
      expect({ x: key.x, y: key.y }).toEqual({ x: ours.x, y: ours.y });
      expect(partsOf(acme.token)[0]).toEqual({ alg: 'ES256', typ: 'JWT', kid });
      await t.http().get('/api/v1/.well-known/jwks.json').expect(404);
    });
  });

  describe('forged and broken access tokens', () => {
    it('accepts a token minted like ours (control: the forging helper is right)', async () => {
      const res = await leads(es256(valid(), privateKey, kid)).expect(200);
      expect(res.body.meta.total).toBe(0);
    });

    // Every case is sent to GET /api/v1/leads with acme's X-Tenant-ID and must be a 401.
    const attacks: [string, () => string][] = [
      ['alg none, unsigned', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(valid())}.`],
      [
        'alg none with our kid, real signature kept',
        () => `${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(valid())}.${partsOf(acme.token)[2]}`,
      ],
      [
        'tampered payload: tid switched to the other tenant',
        () => {
          const [, claims, signature] = partsOf(acme.token);
          return `${acme.token.split('.')[0]}.${b64({ ...claims, tid: globex.slug })}.${signature}`;
        },
      ],
      [
        'tampered payload: role lowered to staff',
        () => {
          const [, claims, signature] = partsOf(acme.token);
          return `${acme.token.split('.')[0]}.${b64({ ...claims, role: 'staff' })}.${signature}`;
        },
      ],
      [
        'tampered payload: exp pushed a day later (all else valid)',
        () => {
          const [, claims, signature] = partsOf(acme.token);
          return `${acme.token.split('.')[0]}.${b64({ ...claims, exp: (claims.exp as number) + 86_400 })}.${signature}`;
        },
      ],
      [
        'signed with another EC P-256 key under our kid',
        () => es256(valid(), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, kid),
      ],
      [
        'another EC P-256 key embedded as a jwk header, no kid',
        () => {
          const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
          return es256(valid(), attacker.privateKey, undefined, { jwk: attacker.publicKey.export({ format: 'jwk' }) });
        },
      ],
      [
        'RS256 with an attacker RSA key under our kid',
        () =>
          jwt.sign(valid(), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, {
            algorithm: 'RS256',
            keyid: kid,
          }),
      ],
      ['HS256 with a guessed secret', () => hs256(valid(), 'secret', kid)],
      ['HS256 with our public key PEM as the HMAC secret (algorithm confusion)', () => hs256(valid(), publicPem, kid)],
      [
        'expired an hour ago (beyond the 30 s tolerance)',
        () => es256(valid({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }), privateKey, kid),
      ],
      ['not valid before an hour from now', () => es256(valid({ nbf: nowSeconds() + 3600 }), privateKey, kid)],
      ['wrong issuer', () => es256(valid({ iss: 'https://evil.example' }), privateKey, kid)],
      ['wrong audience', () => es256(valid({ aud: 'another-api' }), privateKey, kid)],
      ['unknown kid', () => es256(valid(), privateKey, 'not-our-key')],
      ['missing kid', () => es256(valid(), privateKey)],
      ['without ver', () => es256(valid({ ver: undefined }), privateKey, kid)],
      ['platform scope claimed for a tenant user', () => es256(valid({ scope: 'platform' }), privateKey, kid)],
      [
        'a crit header naming an extension we do not understand (RFC 7515 §4.1.11), signed with our key',
        () =>
          es256(valid(), privateKey, kid, {
            crit: ['urn:example:must-understand'],
            'urn:example:must-understand': true,
          }),
      ],
      [
        'a crit header naming a registered claim, signed with our key',
        () => es256(valid(), privateKey, kid, { crit: ['exp'] }),
      ],
      ['garbage: one word', () => 'garbage'],
      ['garbage: three dots-separated words', () => 'a.b.c'],
      ['garbage: only dots', () => '..'],
      ['garbage: a base64 header and nothing else', () => `${b64({ alg: 'ES256', kid })}..`],
      ['garbage: 6 kB of letters', () => 'x'.repeat(6000)],
    ];

    it.each(attacks)('refuses %s (401 problem+json, WWW-Authenticate)', async (_label, forge) => {
      expectUnauthorized(await leads(forge()));
    });

    it('refuses a refresh token presented as the bearer access token', async () => {
      const pair = (await login(acme, acme.admin.email, acme.admin.password).expect(200)).body;
      expectUnauthorized(await leads(pair.refreshToken));
    });

    it('refuses an empty bearer, another scheme and a missing header', async () => {
      for (const authorization of [
        'Bearer ',
        'Bearer',
        `Basic ${Buffer.from('a:b').toString('base64')}`,
        `Token ${acme.token}`,
      ]) {
        expectUnauthorized(
          await t.http().get('/api/v1/leads').set('authorization', authorization).set('x-tenant-id', acme.slug),
        );
      }
      expectUnauthorized(await t.http().get('/api/v1/leads').set('x-tenant-id', acme.slug));
    });

    it('refuses a correctly signed token whose user does not exist in the named tenant (401, never 200)', async () => {
      const crossed = es256(valid({ tid: globex.slug }), privateKey, kid);
      expectUnauthorized(await leads(crossed, globex.slug));
      expectUnauthorized(await t.http().get('/api/v1/leads').set('authorization', `Bearer ${crossed}`));
      // Named with acme's header instead, the same token is a tenant mismatch.
      await leads(crossed, acme.slug).expect(403);
    });

    it('refuses a correctly signed token that raises a staff user to company_admin (role must match the user)', async () => {
      const staff = await createUser(acme, 'forged-staff@acme.test', 'staff');
      const real = (await login(acme, staff.email, staff.password).expect(200)).body.accessToken as string;
      await leads(real).expect(200);
      const claims = partsOf(real)[1];
      expectUnauthorized(await leads(es256({ ...claims, role: 'company_admin', jti: randomUUID() }, privateKey, kid)));
      await t.http().get('/api/v1/users').set('authorization', `Bearer ${real}`).expect(403);
    });
  });

  describe('tenant and scope binding', () => {
    it("answers 403 for a valid token on the other tenant's header or sub-domain", async () => {
      const byHeader = await leads(acme.token, globex.slug).expect(403);
      expect(byHeader.headers['content-type']).toContain('application/problem+json');
      expect(byHeader.body.type).toMatch(/\/tenant-mismatch$/);
      await t
        .http()
        .get('/api/v1/leads')
        .set('authorization', `Bearer ${acme.token}`)
        .set('host', `${globex.slug}.tessera.test`)
        .expect(403);
      await t
        .http()
        .get('/api/v1/leads')
        .set('authorization', `Bearer ${acme.token}`)
        .set('host', `${acme.slug}.tessera.test`)
        .expect(200);
    });

    it('keeps platform tokens off tenant routes and tenant tokens off platform routes (403)', async () => {
      await leads(platformToken).expect(403);
      await t.http().get('/api/v1/leads').set('authorization', `Bearer ${platformToken}`).expect(403);
      await t.http().get('/api/v1/platform/tenants').set('authorization', `Bearer ${acme.token}`).expect(403);
      await t
        .http()
        .get('/api/v1/platform/tenants')
        .set('authorization', `Bearer ${acme.token}`)
        .set('x-tenant-id', acme.slug)
        .expect(403);
      await t.http().get('/api/v1/platform/tenants').set('authorization', `Bearer ${platformToken}`).expect(200);
    });
  });

  describe('refresh tokens', () => {
    it('rotates: a new pair, the old refresh token spent; reuse revokes the whole family and its access tokens', async () => {
      const first = await login(acme, acme.admin.email, acme.admin.password).expect(200);
      expect(first.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: expect.any(Number),
      });
      expect(first.body.expiresIn).toBeGreaterThan(0);
      expect(first.body.refreshToken.startsWith(`rt.${acme.slug}.`)).toBe(true);
      const other = (await login(acme, acme.admin.email, acme.admin.password).expect(200)).body; // a second sign-in

      const second = await refresh(first.body.refreshToken, acme.slug).expect(200);
      expect(second.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: expect.any(Number),
      });
      expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
      expect(partsOf(second.body.accessToken)[1]).toMatchObject({
        sub: acmeAdmin.sub,
        tid: acme.slug,
        fam: partsOf(first.body.accessToken)[1].fam,
      });
      await leads(second.body.accessToken).expect(200);

      // No tenant header: the tenant is read from the `rt.<slug>.` prefix.
      const third = await refresh(second.body.refreshToken).expect(200);
      await leads(third.body.accessToken).expect(200);

      // The first one was spent: presenting it again is theft, the family dies.
      const reused = await refresh(first.body.refreshToken, acme.slug).expect(401);
      expect(reused.headers['content-type']).toContain('application/problem+json');
      expect(reused.body.type).toMatch(/\/refresh-token-reused$/);
      await refresh(third.body.refreshToken, acme.slug).expect(401);
      expectUnauthorized(await leads(third.body.accessToken));
      expectUnauthorized(await leads(first.body.accessToken));
      // Another sign-in of the same user is not touched.
      await leads(other.accessToken).expect(200);
      await refresh(other.refreshToken).expect(200);
    });

    it("refuses acme's refresh token under globex's header (not 200) and leaves it usable at acme", async () => {
      const pair = (await login(acme, acme.admin.email, acme.admin.password).expect(200)).body;
      const crossed = await refresh(pair.refreshToken, globex.slug);
      expect([401, 403]).toContain(crossed.status);
      expect(crossed.body).not.toHaveProperty('accessToken');
      await t
        .http()
        .post('/api/v1/auth/refresh')
        .set('host', `${globex.slug}.tessera.test`)
        .send({ refreshToken: pair.refreshToken })
        .expect((res) => {
          expect([401, 403]).toContain(res.status);
        });
      await refresh(pair.refreshToken, acme.slug).expect(200);
    });

    it('refuses unknown, malformed and forged-prefix refresh tokens', async () => {
      const pair = (await login(acme, acme.admin.email, acme.admin.password).expect(200)).body;
      const secret = (pair.refreshToken as string).split('.').pop()!;
      // The same secret under globex's prefix is not a globex token.
      await refresh(`rt.${globex.slug}.${secret}`).expect(401);
      await refresh(`rt.${acme.slug}.${'A'.repeat(43)}`).expect(401);
      await refresh(`rt.${acme.slug}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`).expect(401);
      await refresh('not-a-refresh-token', acme.slug).expect(401);
      await refresh(pair.refreshToken).expect(200); // untouched by the failures above
    });

    it('answers 400 naming refreshToken when the body has none, or not a string, whether or not a tenant is named', async () => {
      for (const body of [{}, { refreshToken: null }, { refreshToken: 42 }, { refreshToken: ['rt.x.y'] }]) {
        for (const slug of [undefined, acme.slug]) {
          const req = t.http().post('/api/v1/auth/refresh');
          if (slug) req.set('x-tenant-id', slug);
          const res = await req.send(body);
          expect({ body, slug, status: res.status }).toEqual({ body, slug, status: 400 });
          expect(res.body.errors).toEqual([expect.objectContaining({ field: 'refreshToken' })]);
        }
      }
    });

    it('answers 401 invalid-refresh-token, never 404 or 400, when the token names no tenant of ours', async () => {
      const pair = (await login(acme, acme.admin.email, acme.admin.password).expect(200)).body;
      const secret = (pair.refreshToken as string).split('.').pop()!;
      for (const token of [`rt.nope-${t.id}.${secret}`, 'rt.nope.x', 'not-a-refresh-token', 'rt.UPPER.x', '']) {
        const res = await refresh(token);
        expect({ token, status: res.status }).toEqual({ token, status: 401 });
        expect(res.body.type).toMatch(/\/invalid-refresh-token$/);
        expect(res.body.detail).not.toMatch(/tenant/i);
      }
      // A header naming an unknown tenant is still the documented 404, whatever the token.
      await refresh('not-a-refresh-token', `nope-${t.id}`).expect(404);
      await t
        .http()
        .post('/api/v1/auth/refresh')
        .set('x-tenant-id', acme.slug)
        .send({ refreshToken: pair.refreshToken, extra: 1 })
        .expect(400);
      await refresh(pair.refreshToken).expect(200); // untouched by the failures above
    });
  });

  describe('logout', () => {
    it('ends one sign-in (refresh and access token), not the other sign-ins of the same user', async () => {
      const one = (await login(acme, acme.admin.email, acme.admin.password).expect(200)).body;
      const two = (await login(acme, acme.admin.email, acme.admin.password).expect(200)).body;
      await leads(one.accessToken).expect(200);
      await t.http().post('/api/v1/auth/logout').set('authorization', `Bearer ${one.accessToken}`).expect(204);
      await refresh(one.refreshToken).expect(401);
      expectUnauthorized(await leads(one.accessToken));
      expectUnauthorized(await t.http().get('/api/v1/auth/me').set('authorization', `Bearer ${one.accessToken}`));
      await leads(two.accessToken).expect(200);
      const next = await refresh(two.refreshToken).expect(200);
      await leads(next.body.accessToken).expect(200);
    });

    it('needs a valid bearer to log out', async () => {
      expectUnauthorized(await t.http().post('/api/v1/auth/logout').set('x-tenant-id', acme.slug));
      expectUnauthorized(
        await t
          .http()
          .post('/api/v1/auth/logout')
          .set('authorization', `Bearer ${hs256(valid(), publicPem, kid)}`),
      );
    });
  });

  describe('token answers are never cached (Cache-Control: no-store, Pragma: no-cache)', () => {
    const expectNoStore = (res: { status: number; headers: Record<string, string> }, status = 200) => {
      expect(res.status).toBe(status);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.pragma).toBe('no-cache');
    };

    it('on tenant sign-in and refresh', async () => {
      const signIn = await login(acme, acme.admin.email, acme.admin.password);
      expectNoStore(signIn);
      expectNoStore(await refresh(signIn.body.refreshToken, acme.slug));
    });

    it('on platform sign-in and refresh', async () => {
      const signIn = await t.http().post('/api/v1/platform/auth/login').send(PLATFORM_ADMIN);
      expectNoStore(signIn);
      expectNoStore(
        await t.http().post('/api/v1/platform/auth/refresh').send({ refreshToken: signIn.body.refreshToken }),
      );
    });
  });

  describe('platform refresh and logout', () => {
    const platformLogin = () => t.http().post('/api/v1/platform/auth/login').send(PLATFORM_ADMIN).expect(200);
    const platformRefresh = (refreshToken: string) =>
      t.http().post('/api/v1/platform/auth/refresh').send({ refreshToken });
    const tenants = (token: string) => t.http().get('/api/v1/platform/tenants').set('authorization', `Bearer ${token}`);

    it('rotates platform refresh tokens; reuse revokes the family, including the newest access token', async () => {
      const first = (await platformLogin()).body;
      expect(first).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: expect.any(Number),
      });
      const claims = partsOf(first.accessToken)[1];
      expect(claims).toMatchObject({ scope: 'platform', role: 'super_admin' });
      expect(claims).not.toHaveProperty('tid');
      const second = (await platformRefresh(first.refreshToken).expect(200)).body;
      expect(second.refreshToken).not.toBe(first.refreshToken);
      await tenants(second.accessToken).expect(200);
      const reused = await platformRefresh(first.refreshToken).expect(401);
      expect(reused.body.type).toMatch(/\/refresh-token-reused$/);
      await platformRefresh(second.refreshToken).expect(401);
      // Same rule as tenant sign-ins: the access token of the stolen family stops working.
      expectUnauthorized(await tenants(second.accessToken));
    });

    it('logs a platform sign-in out: its refresh and access token stop, another sign-in goes on', async () => {
      const one = (await platformLogin()).body;
      const two = (await platformLogin()).body;
      await t.http().post('/api/v1/platform/auth/logout').set('authorization', `Bearer ${one.accessToken}`).expect(204);
      await platformRefresh(one.refreshToken).expect(401);
      await tenants(two.accessToken).expect(200);
      await platformRefresh(two.refreshToken).expect(200);
      // Same rule as tenant sign-ins: a signed-out access token stops working at once.
      expectUnauthorized(await tenants(one.accessToken));
    });

    it('keeps tenant refresh tokens and platform refresh tokens apart', async () => {
      const platformPair = (await platformLogin()).body;
      const tenantPair = (await login(acme, acme.admin.email, acme.admin.password).expect(200)).body;
      await platformRefresh(tenantPair.refreshToken).expect(401);
      const crossed = await refresh(platformPair.refreshToken, acme.slug);
      expect(crossed.status).toBe(401);
      await t
        .http()
        .post('/api/v1/platform/auth/logout')
        .set('authorization', `Bearer ${tenantPair.accessToken}`)
        .expect(403);
      await t
        .http()
        .post('/api/v1/auth/logout')
        .set('authorization', `Bearer ${platformPair.accessToken}`)
        .set('x-tenant-id', acme.slug)
        .expect(403);
    });
  });

  describe('sign-in answers and throttling (3 failures per account)', () => {
    it('answers an unknown email and a wrong password identically', async () => {
      const user = await createUser(acme, 'same-answer@acme.test', 'staff');
      const wrong = await login(acme, user.email, 'wrong-password-123');
      const unknown = await login(acme, 'nobody-here@acme.test', 'wrong-password-123');
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(wrong.status);
      expect(unknown.body).toEqual(wrong.body);
      expect(unknown.headers['content-type']).toBe(wrong.headers['content-type']);
      expect(wrong.body.type).toMatch(/\/invalid-credentials$/);
      const platformWrong = await t
        .http()
        .post('/api/v1/platform/auth/login')
        .send({ email: PLATFORM_ADMIN.email, password: 'wrong-password-123' });
      const platformUnknown = await t
        .http()
        .post('/api/v1/platform/auth/login')
        .send({ email: 'nobody@platform.test', password: 'wrong-password-123' });
      expect(platformWrong.status).toBe(401);
      expect(platformUnknown.status).toBe(401);
      expect(platformUnknown.body).toEqual(platformWrong.body);
      await t.platformToken(); // a success clears the platform account's count
    });

    it('answers 429 with Retry-After on the 4th attempt, even with the right password; other accounts and tenants go on', async () => {
      const email = 'victim@shared.test';
      const victim = await createUser(acme, email, 'staff', 'victim-passphrase-1');
      const bystander = await createUser(acme, 'bystander@acme.test', 'staff', 'bystander-pass-1');
      const twin = await createUser(globex, email, 'staff', 'victim-passphrase-2'); // same email in globex
      for (let i = 0; i < 3; i++) await login(acme, victim.email, `wrong-password-${i}`).expect(401);
      const blocked = await login(acme, victim.email, victim.password).expect(429);
      expect(blocked.headers['content-type']).toContain('application/problem+json');
      expect(blocked.body.type).toMatch(/\/too-many-requests$/);
      expect(blocked.headers['retry-after']).toMatch(/^\d+$/);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(t.config.login.windowSeconds);
      // The email is case-insensitive: a different spelling is the same account.
      await login(acme, victim.email.toUpperCase(), victim.password).expect(429);
      await login(acme, bystander.email, bystander.password).expect(200);
      await login(globex, twin.email, twin.password).expect(200);
    });
  });
});

describe('sign-in throttling per client IP (4 failures per IP)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;

  beforeAll(async () => {
    t = await TestApp.start({ LOGIN_MAX_FAILURES_PER_IP: '4', LOGIN_MAX_FAILURES: '100' });
    const platformToken = await t.platformToken();
    [acme, globex] = await Promise.all([
      t.createTenant('acme', platformToken),
      t.createTenant('globex', platformToken),
    ]);
  });
  afterAll(() => t?.stop());

  it('blocks the IP after 4 failures spread over different emails and tenants, whatever the account', async () => {
    const login = (tenant: TestTenant, email: string, password: string) =>
      t.http().post('/api/v1/auth/login').set('x-tenant-id', tenant.slug).send({ email, password });
    await login(acme, 'one@acme.test', 'wrong-password-1').expect(401);
    await login(acme, 'two@acme.test', 'wrong-password-2').expect(401);
    await login(globex, 'three@globex.test', 'wrong-password-3').expect(401);
    await login(globex, globex.admin.email, 'wrong-password-4').expect(401);
    const blocked = await login(acme, acme.admin.email, acme.admin.password).expect(429);
    expect(blocked.headers['retry-after']).toMatch(/^\d+$/);
    expect(blocked.body.type).toMatch(/\/too-many-requests$/);
    await login(globex, globex.admin.email, globex.admin.password).expect(429);
    await t.http().post('/api/v1/platform/auth/login').send(PLATFORM_ADMIN).expect(429);
    // Tokens already issued are not affected.
    await t.http().get('/api/v1/leads').set('authorization', `Bearer ${acme.token}`).expect(200);
  });
});
