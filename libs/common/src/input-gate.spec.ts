import { inspectInput, MAX_INPUT_DEPTH, storableText, unstorableText } from './input-gate';

function nested(levels: number, leaf: unknown = 'x'): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe('unstorableText', () => {
  it('accepts ordinary text, emoji (paired surrogates) and other control characters', () => {
    expect(unstorableText('Zoë 漢字 🙂 tab\there')).toBeUndefined();
  });

  it('refuses a NUL character anywhere in the string', () => {
    expect(unstorableText('a\u0000b')).toMatch(/NUL/);
  });

  it.each([
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', 'a\udc00b'],
    ['a high surrogate at the end', 'ab\ud83d'],
    ['two high surrogates in a row', '\ud83d\ud83d\ude42'],
  ])('refuses %s', (_, value) => {
    expect(unstorableText(value)).toMatch(/surrogate/);
  });
});

describe('inspectInput', () => {
  it('names the field that holds a NUL character by its dotted path', () => {
    expect(inspectInput({ customer: { tags: ['ok', 'bad\u0000'] } })).toEqual({
      field: 'customer.tags[1]',
      message: expect.stringMatching(/NUL/),
    });
  });

  it('refuses an object key with an unpaired surrogate', () => {
    expect(inspectInput({ ['k\udfff']: 1 })?.message).toMatch(/field name/);
  });

  it(`accepts nesting of exactly ${MAX_INPUT_DEPTH} levels`, () => {
    expect(inspectInput(nested(MAX_INPUT_DEPTH))).toBeUndefined();
  });

  it(`refuses nesting of ${MAX_INPUT_DEPTH + 1} levels`, () => {
    expect(inspectInput(nested(MAX_INPUT_DEPTH + 1))?.message).toMatch(/nested deeper/);
  });

  it('walks a document nested 100,000 levels deep without exhausting the stack', () => {
    expect(inspectInput(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)))?.message).toMatch(/nested deeper/);
  });

  it('accepts numbers, booleans, null and undefined as they are', () => {
    expect(inspectInput({ a: 1e308, b: false, c: null, d: undefined })).toBeUndefined();
  });

  it('prefixes the root name given for query strings and path parameters', () => {
    expect(inspectInput({ q: 'a\u0000' }, 'query')?.field).toBe('query.q');
  });
});

describe('storableText', () => {
  it('replaces NUL characters and unpaired surrogates with U+FFFD and keeps the rest, emoji included', () => {
    expect(storableText('a\u0000b\ud800c🙂')).toBe('a\ufffdb\ufffdc🙂');
  });
});
