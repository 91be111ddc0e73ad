import { canonicalJson, requestFingerprint } from './request-fingerprint';

describe('requestFingerprint', () => {
  it('is the same for one body whatever the order of its keys', () => {
    expect(requestFingerprint('POST', '/api/v1/leads', { a: 1, b: { c: [1, { e: 2, d: 3 }] } })).toBe(
      requestFingerprint('POST', '/api/v1/leads', { b: { c: [1, { d: 3, e: 2 }] }, a: 1 }),
    );
  });

  it('differs for another value', () => {
    expect(requestFingerprint('POST', '/api/v1/leads', { a: 1 })).not.toBe(
      requestFingerprint('POST', '/api/v1/leads', { a: '1' }),
    );
  });

  it('differs for another route', () => {
    expect(requestFingerprint('POST', '/api/v1/leads', { a: 1 })).not.toBe(
      requestFingerprint('POST', '/api/v1/deals', { a: 1 }),
    );
  });

  it('spells an absent body and a null one alike, and keeps array order', () => {
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson([2, 1, undefined])).toBe('[2,1,null]');
  });
});
