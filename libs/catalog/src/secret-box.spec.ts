import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

/** Re-encodes one base64 part of a sealed secret after `change` has altered its bytes. */
function tamper(sealed: string, part: 1 | 2 | 3, change: (bytes: Buffer) => Buffer): string {
  const parts = sealed.split(':');
  parts[part] = change(Buffer.from(parts[part]!, 'base64')).toString('base64');
  return parts.join(':');
}

const flipFirstBit = (bytes: Buffer) => {
  const copy = Buffer.from(bytes);
  copy[0] = copy[0]! ^ 0x01;
  return copy;
};

describe('SecretBox', () => {
  const key = SecretBox.generateKey();
  const box = new SecretBox(key);

  it.each(['p@ssw0rd-for-tenant_acme', '', 'ünïcødé ✓ 密码', 'x'.repeat(10_000)])(
    'opens what it sealed (%#)',
    (plain) => {
      expect(box.open(box.seal(plain))).toBe(plain);
    },
  );

  it('seals as v1:iv:tag:body and never leaves the plain text visible', () => {
    const sealed = box.seal('hunter2-hunter2');
    const [version, iv, tag, body] = sealed.split(':');
    expect(version).toBe('v1');
    expect(Buffer.from(iv!, 'base64')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64')).toHaveLength(16);
    expect(Buffer.from(body!, 'base64')).toHaveLength('hunter2-hunter2'.length);
    expect(sealed).not.toContain('hunter2');
  });

  it('seals the same text differently every time (fresh IV)', () => {
    const first = box.seal('same secret');
    const second = box.seal('same secret');
    expect(first).not.toBe(second);
    expect(first.split(':')[1]).not.toBe(second.split(':')[1]);
    expect(box.open(first)).toBe(box.open(second));
  });

  it('opens with another SecretBox built from the same key', () => {
    expect(new SecretBox(key).open(box.seal('shared'))).toBe('shared');
  });

  it('refuses a tampered body', () => {
    const sealed = box.seal('tenant password');
    expect(() => box.open(tamper(sealed, 3, flipFirstBit))).toThrow();
  });

  it('refuses a tampered tag', () => {
    const sealed = box.seal('tenant password');
    expect(() => box.open(tamper(sealed, 2, flipFirstBit))).toThrow();
  });

  it('refuses a tampered IV', () => {
    const sealed = box.seal('tenant password');
    expect(() => box.open(tamper(sealed, 1, flipFirstBit))).toThrow();
  });

  it('refuses a body swapped in from another secret', () => {
    const a = box.seal('aaaaaaaaaaaa').split(':');
    const b = box.seal('bbbbbbbbbbbb').split(':');
    expect(() => box.open([a[0], a[1], a[2], b[3]].join(':'))).toThrow();
  });

  it('refuses to open with a different key', () => {
    const sealed = box.seal('tenant password');
    expect(() => new SecretBox(SecretBox.generateKey()).open(sealed)).toThrow();
  });

  // accepts a GCM tag cut down to 4 bytes, and a forger needs ~2^32 tries instead of 2^128.
  it('refuses a tag truncated to 4 bytes', () => {
    const sealed = box.seal('tenant password');
    expect(() => box.open(tamper(sealed, 2, (tag) => tag.subarray(0, 4)))).toThrow();
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('base64')],
    ['31 bytes', randomBytes(31).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['64 bytes', randomBytes(64).toString('base64')],
    ['empty', ''],
  ])('refuses a key of %s', (_label, badKey) => {
    expect(() => new SecretBox(badKey)).toThrow('the secrets key must be 32 bytes');
  });

  it('generates 32-byte keys, different every time', () => {
    const a = SecretBox.generateKey();
    expect(Buffer.from(a, 'base64')).toHaveLength(32);
    expect(a).not.toBe(SecretBox.generateKey());
  });

  it.each(['garbage', '', 'v1', 'v1:abc', 'v1:abc:def', 'v2:AAAA:AAAA:AAAA', ':::'])(
    'refuses the malformed sealed value %p',
    (sealed) => {
      expect(() => box.open(sealed)).toThrow();
    },
  );

  it('says plainly that garbage is not a sealed secret', () => {
    expect(() => box.open('garbage')).toThrow('not a sealed secret');
  });

  it('derives a distinct, stable 32-byte key per purpose, unlike the secrets key itself', () => {
    const key = SecretBox.generateKey();
    const one = new SecretBox(key);
    const anchors = one.deriveKey('audit-anchor');
    expect(anchors).toHaveLength(32);
    expect(new SecretBox(key).deriveKey('audit-anchor').equals(anchors)).toBe(true);
    expect(one.deriveKey('other').equals(anchors)).toBe(false);
    expect(anchors.equals(Buffer.from(key, 'base64'))).toBe(false);
    expect(new SecretBox(SecretBox.generateKey()).deriveKey('audit-anchor').equals(anchors)).toBe(false);
  });
});
