import { isEmail, isURL } from 'class-validator';
import { AMOUNT_PATTERN, normalizeAmount } from '../money';

export const CUSTOM_FIELD_ENTITIES = ['lead', 'deal'] as const;
export type CustomFieldEntity = (typeof CUSTOM_FIELD_ENTITIES)[number];

export const CUSTOM_FIELD_TYPES = [
  'text',
  'number',
  'money',
  'date',
  'boolean',
  'select',
  'multiselect',
  'email',
  'url',
] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

export const INDEX_STATUSES = ['none', 'pending', 'ready', 'failed'] as const;
export type IndexStatus = (typeof INDEX_STATUSES)[number];

/** A key: also part of SQL (an index name, a jsonb path literal), so nothing else ever passes. */
export const CUSTOM_FIELD_KEY = /^[a-z][a-z0-9_]{0,39}$/;
export const MAX_TEXT_LENGTH = 2000;
export const MAX_OPTIONS = 100;
export const MAX_OPTION_LENGTH = 100;
/** Numbers beyond this are refused: they would lose digits in JavaScript. */
export const MAX_NUMBER = 1e15;

/** A value as stored in the record's jsonb (money as a JSON number, dates as `YYYY-MM-DD`). */
export type StoredValue = string | number | boolean | string[];
export type StoredValues = Record<string, StoredValue>;

/** What validation and filters need of a definition (cached per tenant). */
export interface FieldRule {
  key: string;
  type: CustomFieldType;
  required: boolean;
  options: string[] | null;
  indexed: boolean;
  unique: boolean;
  indexStatus: IndexStatus;
  archived: boolean;
}

export type Checked = { ok: true; value: StoredValue } | { ok: false; message: string };

const fail = (message: string): Checked => ({ ok: false, message });
const ok = (value: StoredValue): Checked => ({ ok: true, value });

/** `YYYY-MM-DD` of a real calendar day, years 0001–9999. */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(2000, month, 0)).getUTCDate(); // month length in a leap year
  if (day > days) return false;
  return !(month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)));
}

function text(value: unknown, max = MAX_TEXT_LENGTH): string | undefined {
  return typeof value === 'string' && value.length <= max ? value : undefined;
}

/**
 * The value a request gives for a field, checked against its type and turned into what is stored;
 * the message names the rule broken (the caller names the field).
 */
export function checkInput(rule: FieldRule, value: unknown): Checked {
  switch (rule.type) {
    case 'text': {
      const s = text(value);
      return s !== undefined && s.length > 0 ? ok(s) : fail(`must be a text of 1 to ${MAX_TEXT_LENGTH} characters`);
    }
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_NUMBER
        ? ok(value)
        : fail(`must be a number between -${MAX_NUMBER} and ${MAX_NUMBER}`);
    case 'money':
      return typeof value === 'string' && AMOUNT_PATTERN.test(value)
        ? ok(Number(normalizeAmount(value)))
        : fail('must be a decimal string such as "12500.00" (at most 12 digits and 2 decimals)');
    case 'date':
      return typeof value === 'string' && isCalendarDate(value) ? ok(value) : fail('must be a date such as 2026-12-31');
    case 'boolean':
      return typeof value === 'boolean' ? ok(value) : fail('must be true or false');
    case 'select':
      return typeof value === 'string' && (rule.options ?? []).includes(value)
        ? ok(value)
        : fail(`must be one of ${(rule.options ?? []).join(', ')}`);
    case 'multiselect': {
      const options = rule.options ?? [];
      const valid =
        Array.isArray(value) &&
        value.every((item) => typeof item === 'string' && options.includes(item)) &&
        new Set(value).size === value.length;
      return valid ? ok([...(value as string[])]) : fail(`must be a list of distinct values of ${options.join(', ')}`);
    }
    case 'email': {
      const s = text(value, 254);
      return s !== undefined && isEmail(s) ? ok(s) : fail('must be an email address');
    }
    case 'url': {
      const s = text(value);
      return s !== undefined && isURL(s, { protocols: ['http', 'https'], require_protocol: true, require_tld: false })
        ? ok(s)
        : fail('must be an http or https URL');
    }
  }
}

/** A stored value still fits the rule (a type or options change counts those that do not). */
export function fitsStored(rule: FieldRule, value: unknown): boolean {
  if (rule.type === 'money')
    return typeof value === 'number' && value >= 0 && value < 1e12 && Number(value.toFixed(2)) === value;
  return checkInput(rule, value).ok;
}

/** A stored money value as the API answers it: `"12.50"`. */
export function toMoney(value: number): string {
  return value.toFixed(2);
}

/** The value as the API answers it. */
export function toAnswer(rule: FieldRule, value: StoredValue): StoredValue {
  return rule.type === 'money' && typeof value === 'number' ? toMoney(value) : value;
}

/** The stored values as the API answers them: only keys of live (not archived) definitions. */
export function answerValues(rules: readonly FieldRule[], stored: unknown): Record<string, StoredValue> {
  const out: Record<string, StoredValue> = {};
  if (!stored || typeof stored !== 'object') return out;
  const values = stored as Record<string, StoredValue>;
  for (const rule of rules) {
    if (rule.archived || !(rule.key in values)) continue;
    out[rule.key] = toAnswer(rule, values[rule.key]);
  }
  return out;
}

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Applies a request's `customFields` to the stored values: each key must be a live definition,
 * each value must fit it; `null` removes a value (not of a required field). On create
 * (`creating`), every required field must be present. Returns the new stored values, or the
 * problems, each naming `customFields.<key>`.
 */
export function applyInput(
  rules: readonly FieldRule[],
  current: StoredValues,
  input: unknown,
  creating: boolean,
): { values: StoredValues; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const values: StoredValues = { ...current };
  const byKey = new Map(rules.filter((rule) => !rule.archived).map((rule) => [rule.key, rule]));
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    return { values, problems: [{ field: 'customFields', message: 'customFields must be an object' }] };
  }
  for (const [key, value] of Object.entries((input ?? {}) as Record<string, unknown>)) {
    const field = `customFields.${key.slice(0, 60)}`;
    const rule = byKey.get(key);
    if (!rule) {
      problems.push({ field, message: `${field} is not a custom field of this tenant` });
      continue;
    }
    if (value === null) {
      if (rule.required) problems.push({ field, message: `${field} is required` });
      else delete values[key];
      continue;
    }
    const checked = checkInput(rule, value);
    if (checked.ok) values[key] = checked.value;
    else problems.push({ field, message: `${field} ${checked.message}` });
  }
  if (creating)
    for (const rule of byKey.values())
      if (rule.required && !(rule.key in values))
        problems.push({ field: `customFields.${rule.key}`, message: `customFields.${rule.key} is required` });
  return { values, problems };
}
