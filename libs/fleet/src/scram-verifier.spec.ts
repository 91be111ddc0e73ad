import { createHmac } from 'node:crypto';
import { SCRAM_ITERATIONS, scramSha256Verifier } from './scram-verifier';

describe('scramSha256Verifier', () => {
  it('matches the verifier PostgreSQL 15 stores for the same password and salt', () => {
    // From `create role … password 'pencil'` with password_encryption = scram-sha-256 (pg_authid.rolpassword).
    const stored =
      'SCRAM-SHA-256$4096:cmeRJ+si3Ay2mQVC3f22bg==$zWY3157sKt/eQvHbSOks35Kao8e9BffPe+6KPTEEfTM=:cu8cJWS4L9/acbyi+oEyn5ZLgt2YsBwm3pXUpuuCYUE=';
    expect(scramSha256Verifier('pencil', Buffer.from('cmeRJ+si3Ay2mQVC3f22bg==', 'base64'))).toBe(stored);
  });

  it('yields the server signature of the RFC 7677 example exchange', () => {
    const verifier = scramSha256Verifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
    const serverKey = Buffer.from(verifier.split('$')[2].split(':')[1], 'base64');
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    expect(createHmac('sha256', serverKey).update(authMessage).digest('base64')).toBe(
      '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
    );
  });

  it('has the pg_authid format: 4096 iterations, a 16-byte random salt, 32-byte keys, and no clear text', () => {
    const password = 'Zk3_generated-tenant-pass';
    const a = scramSha256Verifier(password);
    const b = scramSha256Verifier(password);
    const match = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(a);
    expect(match).not.toBeNull();
    const [, iterations, salt, storedKey, serverKey] = match!;
    expect(Number(iterations)).toBe(SCRAM_ITERATIONS);
    expect(SCRAM_ITERATIONS).toBe(4096);
    expect(Buffer.from(salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(storedKey, 'base64')).toHaveLength(32);
    expect(Buffer.from(serverKey, 'base64')).toHaveLength(32);
    expect(a).not.toBe(b); // a fresh salt each time
    expect(a).not.toContain(password);
  });

  it('refuses passwords SASLprep could change (non-ASCII, control characters) and empty ones', () => {
    for (const bad of ['', 'pässword', 'tab\there']) expect(() => scramSha256Verifier(bad)).toThrow(/printable ASCII/);
  });
});
