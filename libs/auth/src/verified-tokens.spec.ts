import type { Principal } from './roles';
import { VerifiedTokens } from './verified-tokens';

const principal: Principal = { sub: 'user-1', role: 'staff', tid: 'acme', scope: 'tenant', jti: 'jti-1', ver: 1 };
const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (claims: object) => `${part({ alg: 'ES256', kid: 'k1' })}.${part(claims)}.signature`;

describe('VerifiedTokens', () => {
  it('gives back a verified token’s principal before the token’s exp', () => {
    const tokens = new VerifiedTokens();
    const raw = token({ sub: 'user-1', exp: 2_000 });
    tokens.remember(raw, principal);
    expect(tokens.get(raw, 1_999)).toEqual(principal);
  });

  it('forgets a token at its exp', () => {
    const tokens = new VerifiedTokens();
    const raw = token({ sub: 'user-1', exp: 2_000 });
    tokens.remember(raw, principal);
    expect(tokens.get(raw, 2_000)).toBeUndefined();
  });

  it('does not keep a token whose payload carries no whole-second exp', () => {
    const tokens = new VerifiedTokens();
    const raw = token({ sub: 'user-1', exp: '2000' });
    tokens.remember(raw, principal);
    expect(tokens.get(raw, 1_000)).toBeUndefined();
  });

  it('does not keep a token whose payload is not JSON', () => {
    const tokens = new VerifiedTokens();
    tokens.remember('header.not-json.signature', principal);
    expect(tokens.get('header.not-json.signature', 1_000)).toBeUndefined();
  });
});
