import { type SortSpec, ValidationException } from '@app/common';
import type { FieldProblem } from './custom-field-types';
import { AMOUNT_PATTERN, normalizeAmount } from '../money';
import { CUSTOM_FIELD_KEY, type FieldRule, isCalendarDate, MAX_NUMBER, MAX_TEXT_LENGTH } from './custom-field-types';

/** One condition of a list, as OwnedList takes it (`?` is the value's parameter). */
export interface CustomCondition {
  sql: string;
  value: unknown;
}

/** The `cf.*` parameters of a list request, set aside before the list's own query is validated. */
export interface CustomListParams {
  filters: Record<string, unknown>;
  /** `cf.<key>` or `-cf.<key>`, when the sort names a custom field. */
  sort?: string;
}

const PARAM = /^cf\.([^[\]]*)(?:\[(gte|lte|gt|lt)\])?$/;
const RANGE_TYPES = new Set(['number', 'money', 'date']);
const OPERATORS = { gte: '>=', lte: '<=', gt: '>', lt: '<' } as const;

/** The SQL of a stored value of a key (checked: it goes into the statement). */
export function valueExpression(key: string): string {
  if (!CUSTOM_FIELD_KEY.test(key)) throw new Error('not a custom field key');
  return `"custom_fields" -> '${key}'`;
}

/** A filter's text as a stored JSON value of the rule's type, or why not. */
function parseValue(rule: FieldRule, text: string): { value: unknown } | { message: string } {
  switch (rule.type) {
    case 'number': {
      const n = Number(text);
      return /^-?\d{1,16}(\.\d{1,10})?$/.test(text) && Math.abs(n) <= MAX_NUMBER
        ? { value: n }
        : { message: 'must be a number' };
    }
    case 'money':
      return AMOUNT_PATTERN.test(text)
        ? { value: Number(normalizeAmount(text)) }
        : { message: 'must be a decimal string such as 12500.00' };
    case 'date':
      return isCalendarDate(text) ? { value: text } : { message: 'must be a date such as 2026-12-31' };
    case 'boolean':
      return text === 'true' || text === 'false' ? { value: text === 'true' } : { message: 'must be true or false' };
    case 'select':
    case 'multiselect':
      return (rule.options ?? []).includes(text) ? { value: text } : { message: 'must be one of the field options' };
    case 'text':
    case 'email':
    case 'url':
      return text.length > 0 && text.length <= MAX_TEXT_LENGTH ? { value: text } : { message: 'must be a text' };
  }
}

/** A rule filters and sorts when it is live and indexed; else the parameter is a 400. */
function usable(
  rules: readonly FieldRule[],
  key: string,
  param: string,
  problems: FieldProblem[],
): FieldRule | undefined {
  const rule = rules.find((candidate) => candidate.key === key && !candidate.archived);
  if (!rule) problems.push({ field: param, message: `${param} names no custom field` });
  else if (!rule.indexed)
    problems.push({ field: param, message: `${param}: only indexed custom fields filter and sort` });
  else return rule;
  return undefined;
}

/**
 * The conditions and sort of a list's `cf.*` parameters: `cf.<key>=v` (equality; contains for
 * multiselect), `cf.<key>[gte|lte|gt|lt]=v` (number, money, date), `sort=[-]cf.<key>`, on live
 * indexed fields only. Each value is parsed with its field's type and compared as jsonb, which is
 * what the field's expression index holds: no cast that could fail on a stored value.
 */
export function customListTerms(
  rules: readonly FieldRule[],
  params: CustomListParams,
): { conditions: CustomCondition[]; sort?: SortSpec } {
  const problems: FieldProblem[] = [];
  const conditions: CustomCondition[] = [];
  for (const [param, raw] of Object.entries(params.filters)) {
    const match = PARAM.exec(param);
    const rule = match && usable(rules, match[1], param, problems);
    if (!match)
      problems.push({
        field: param.slice(0, 60),
        message: 'a custom field filter is cf.<key> or cf.<key>[gte|lte|gt|lt]',
      });
    if (!match || !rule) continue;
    if (typeof raw !== 'string') {
      problems.push({ field: param, message: `${param} must be given once` });
      continue;
    }
    const op = match[2] as keyof typeof OPERATORS | undefined;
    if (op && !RANGE_TYPES.has(rule.type)) {
      problems.push({ field: param, message: `${param}: ranges apply to number, money and date fields` });
      continue;
    }
    const parsed = parseValue(rule, raw);
    if ('message' in parsed) {
      problems.push({ field: param, message: `${param} ${parsed.message}` });
      continue;
    }
    const column = valueExpression(rule.key);
    if (rule.type === 'multiselect')
      conditions.push({ sql: `${column} @> ?::jsonb`, value: JSON.stringify([parsed.value]) });
    else
      conditions.push({ sql: `${column} ${op ? OPERATORS[op] : '='} ?::jsonb`, value: JSON.stringify(parsed.value) });
  }
  let sort: SortSpec | undefined;
  if (params.sort) {
    const key = params.sort.replace(/^-?cf\./, '');
    const rule = usable(rules, key, 'sort', problems);
    if (rule?.type === 'multiselect')
      problems.push({ field: 'sort', message: 'sort: a multiselect field does not sort' });
    else if (rule) sort = { field: `cf.${key}`, direction: params.sort.startsWith('-') ? 'desc' : 'asc' };
  }
  if (problems.length) throw new ValidationException(problems);
  return { conditions, sort };
}
