import { applyInput, checkInput, type FieldRule, fitsStored, isCalendarDate, answerValues } from './custom-field-types';

const rule = (type: FieldRule['type'], extra: Partial<FieldRule> = {}): FieldRule => ({
  key: 'k',
  type,
  required: false,
  options: type === 'select' || type === 'multiselect' ? ['a', 'b'] : null,
  indexed: false,
  unique: false,
  indexStatus: 'none',
  archived: false,
  ...extra,
});

describe('custom field values', () => {
  it.each([
    ['2028-02-29', true],
    ['2027-02-29', false],
    ['1900-02-29', false],
    ['2000-02-29', true],
    ['2027-04-31', false],
    ['0000-01-01', false],
    ['2027-1-01', false],
    ['2027-12-31', true],
  ])('reads %s as a calendar date: %s', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
  });

  it('stores money as a number and refuses floats, negatives and three decimals', () => {
    expect(checkInput(rule('money'), '12.5')).toEqual({ ok: true, value: 12.5 });
    expect(checkInput(rule('money'), 12.5).ok).toBe(false);
    expect(checkInput(rule('money'), '-1').ok).toBe(false);
    expect(checkInput(rule('money'), '1.234').ok).toBe(false);
  });

  it('refuses numbers that are not finite or beyond 1e15', () => {
    for (const value of [Infinity, NaN, 1e16, -1e16, '1']) expect(checkInput(rule('number'), value).ok).toBe(false);
    expect(checkInput(rule('number'), -1e15).ok).toBe(true);
  });

  it('takes a multiselect as distinct options only', () => {
    expect(checkInput(rule('multiselect'), ['a', 'b']).ok).toBe(true);
    expect(checkInput(rule('multiselect'), ['a', 'a']).ok).toBe(false);
    expect(checkInput(rule('multiselect'), ['c']).ok).toBe(false);
    expect(checkInput(rule('multiselect'), [{ a: 1 }]).ok).toBe(false);
  });

  it('takes http and https URLs only', () => {
    expect(checkInput(rule('url'), 'https://x.test/a?b=c').ok).toBe(true);
    expect(checkInput(rule('url'), 'ftp://x.test').ok).toBe(false);
    expect(checkInput(rule('url'), 'javascript:alert(1)').ok).toBe(false);
  });

  it('counts a stored money value with more than two decimals as not fitting', () => {
    expect(fitsStored(rule('money'), 3)).toBe(true);
    expect(fitsStored(rule('money'), 3.125)).toBe(false);
    expect(fitsStored(rule('money'), '3.00')).toBe(false);
  });

  it('names every problem customFields.<key>, required ones on create, and removes a value given as null', () => {
    const rules = [rule('text', { key: 'a', required: true }), rule('number', { key: 'b' })];
    expect(
      applyInput(rules, {}, { b: 'x', c: 1 }, true)
        .problems.map((p) => p.field)
        .sort(),
    ).toEqual(['customFields.a', 'customFields.b', 'customFields.c']);
    expect(applyInput(rules, { a: 'x', b: 2 }, { b: null }, false)).toEqual({ values: { a: 'x' }, problems: [] });
    expect(applyInput(rules, { a: 'x' }, { a: null }, false).problems).toEqual([
      { field: 'customFields.a', message: 'customFields.a is required' },
    ]);
  });

  it('refuses values for archived keys and hides them in answers', () => {
    const rules = [rule('text', { key: 'gone', archived: true }), rule('money', { key: 'm' })];
    expect(applyInput(rules, {}, { gone: 'x' }, false).problems[0].field).toBe('customFields.gone');
    expect(answerValues(rules, { gone: 'x', m: 3 })).toEqual({ m: '3.00' });
  });
});
