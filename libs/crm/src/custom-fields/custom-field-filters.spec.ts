import { ValidationException } from '@app/common';
import { customListTerms } from './custom-field-filters';
import type { FieldRule } from './custom-field-types';

const rule = (key: string, type: FieldRule['type'], indexed = true, archived = false): FieldRule => ({
  key,
  type,
  required: false,
  options: type === 'select' || type === 'multiselect' ? ['x', 'y'] : null,
  indexed,
  unique: false,
  indexStatus: 'ready',
  archived,
});
const rules = [
  rule('n', 'number'),
  rule('m', 'money'),
  rule('t', 'multiselect'),
  rule('plain', 'text', false),
  rule('old', 'date', true, true),
];

function fieldsOf(filters: Record<string, unknown>, sort?: string): string[] {
  try {
    customListTerms(rules, { filters, sort });
    return [];
  } catch (error) {
    return ((error as ValidationException).errors ?? []).map((e) => e.field);
  }
}

describe('cf.* list parameters', () => {
  it('compares jsonb values with one parameter each, never a cast of the stored value', () => {
    const terms = customListTerms(rules, { filters: { 'cf.n[gte]': '2', 'cf.m': '3.5', 'cf.t': 'x' }, sort: '-cf.n' });
    expect(terms.conditions).toEqual([
      { sql: `"custom_fields" -> 'n' >= ?::jsonb`, value: '2' },
      { sql: `"custom_fields" -> 'm' = ?::jsonb`, value: '3.5' },
      { sql: `"custom_fields" -> 't' @> ?::jsonb`, value: '["x"]' },
    ]);
    expect(terms.sort).toEqual({ field: 'cf.n', direction: 'desc' });
  });

  it('refuses fields that are not indexed, archived or unknown, naming the parameter', () => {
    expect(fieldsOf({ 'cf.plain': 'a', 'cf.old': '2027-01-01', 'cf.who': '1' })).toEqual([
      'cf.plain',
      'cf.old',
      'cf.who',
    ]);
    expect(fieldsOf({}, 'cf.plain')).toEqual(['sort']);
  });

  it('refuses a key that could reach the SQL', () => {
    expect(fieldsOf({ "cf.n'; drop table leads; --": '1' })).toHaveLength(1);
  });

  it('refuses ranges on non-ordered types and values that do not parse', () => {
    expect(fieldsOf({ 'cf.t[gte]': 'x', 'cf.n': '1e999', 'cf.m': '1.234' })).toEqual(['cf.t[gte]', 'cf.n', 'cf.m']);
  });
});
