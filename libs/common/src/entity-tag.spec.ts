import { PreconditionFailedException, ValidationException } from './app.exception';
import { entityTag, noneMatchHolds, parseEntityTags, Precondition } from './entity-tag';

describe('entityTag', () => {
  it('is a quoted 27-character base64url hash, the same for the same view', () => {
    const tag = entityTag({ id: '1', name: 'A' });
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(entityTag({ id: '1', name: 'A' })).toBe(tag);
  });

  it('changes with any field of the view', () => {
    expect(entityTag({ id: '1', name: 'B' })).not.toBe(entityTag({ id: '1', name: 'A' }));
  });
});

describe('parseEntityTags', () => {
  it('reads no header as no precondition', () => {
    expect(parseEntityTags(undefined, 'If-Match')).toBeUndefined();
  });

  it('reads *', () => {
    expect(parseEntityTags(' * ', 'If-Match')).toBe('*');
  });

  it('reads a list of strong and weak tags with optional white space and empty elements', () => {
    expect(parseEntityTags(', "a" ,W/"b",\t"",', 'If-None-Match')).toEqual([
      { weak: false, opaque: '"a"' },
      { weak: true, opaque: '"b"' },
      { weak: false, opaque: '""' },
    ]);
  });

  it('joins repeated header lines into one list', () => {
    expect(parseEntityTags(['"a"', '"b"'], 'If-Match')).toEqual([
      { weak: false, opaque: '"a"' },
      { weak: false, opaque: '"b"' },
    ]);
  });

  it.each(['', 'a', '"a', 'a"', '"a" "b"', '"a";"b"', '*, "a"', 'w/"a"', 'W/ "a"', '"a"b"', ',', '"\u00e9"x'])(
    'refuses %p with a validation error naming the header',
    (header) => {
      expect(() => parseEntityTags(header, 'If-Match')).toThrow(ValidationException);
    },
  );
});

describe('noneMatchHolds (weak comparison)', () => {
  const tag = entityTag({ id: '1' });

  it('fails for the same tag, strong or weak, and for *', () => {
    expect(noneMatchHolds([{ weak: false, opaque: tag }], tag)).toBe(false);
    expect(noneMatchHolds([{ weak: true, opaque: tag }], tag)).toBe(false);
    expect(noneMatchHolds('*', tag)).toBe(false);
  });

  it('holds for other tags', () => {
    expect(noneMatchHolds([{ weak: false, opaque: '"other"' }], tag)).toBe(true);
  });
});

describe('Precondition (If-Match, strong comparison)', () => {
  const view = { id: '1', name: 'A' };
  const tag = entityTag(view);

  it('passes the current tag, alone or in a list, and *', () => {
    expect(() => Precondition.fromHeader(tag)!.assertMatches(view)).not.toThrow();
    expect(() => Precondition.fromHeader(`"old", ${tag}`)!.assertMatches(view)).not.toThrow();
    expect(() => Precondition.fromHeader('*')!.assertMatches(view)).not.toThrow();
  });

  it('refuses a stale tag with 412', () => {
    expect(() => Precondition.fromHeader('"old"')!.assertMatches(view)).toThrow(PreconditionFailedException);
  });

  it('refuses the current tag sent weak', () => {
    expect(() => Precondition.fromHeader(`W/${tag}`)!.assertMatches(view)).toThrow(PreconditionFailedException);
  });

  it('is absent without the header', () => {
    expect(Precondition.fromHeader(undefined)).toBeUndefined();
  });
});
