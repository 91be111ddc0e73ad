import { refusedInSupportSession } from './not-in-support-session.decorator';

describe('refusedInSupportSession', () => {
  it('lets every request through on a route without the marker', () => {
    expect(refusedInSupportSession(undefined, { password: 'x' })).toBe(false);
  });

  it('refuses every request on a route marked whole', () => {
    expect(refusedInSupportSession({}, undefined)).toBe(true);
    expect(refusedInSupportSession({}, { name: 'x' })).toBe(true);
  });

  it('refuses only a body that sets one of the marked fields', () => {
    const limit = { fields: ['password', 'role'] };
    expect(refusedInSupportSession(limit, { password: 'a-new-passphrase' })).toBe(true);
    expect(refusedInSupportSession(limit, { name: 'Sam', role: null })).toBe(true);
    expect(refusedInSupportSession(limit, { name: 'Sam' })).toBe(false);
    expect(refusedInSupportSession(limit, undefined)).toBe(false);
  });
});
