import { registerDecorator, ValidationOptions } from 'class-validator';

/** `YYYY-MM-DD`, four-digit years only: no ISO week, ordinal or signed (expanded) years. */
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** RFC 3339 `date-time`: a calendar date, `T`, a time with optional fraction, and `Z` or an offset. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

function realDay(year: number, month: number, day: number): boolean {
  // PostgreSQL has no year 0 (1 BC is written with BC); 0001 is the first year it reads as written.
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const days = [
    31,
    year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ];
  return day <= days[month - 1];
}

/** A real calendar day written `YYYY-MM-DD`. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = CALENDAR_DATE.exec(value);
  return !!m && realDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** A real instant written as an RFC 3339 date-time (seconds required; no leap second). */
export function isDateTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE_TIME.exec(value);
  if (!m || !realDay(Number(m[1]), Number(m[2]), Number(m[3]))) return false;
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (hour > 23 || minute > 59 || second > 59) return false;
  return m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
}

export type DateForm = 'date' | 'date-time' | 'date-or-date-time';

const DESCRIPTIONS: Record<DateForm, string> = {
  date: 'a calendar date (YYYY-MM-DD)',
  'date-time': 'an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SSZ)',
  'date-or-date-time': 'a calendar date (YYYY-MM-DD) or an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SSZ)',
};

export function isStrictDate(value: unknown, form: DateForm): boolean {
  if (form === 'date') return isCalendarDate(value);
  if (form === 'date-time') return isDateTime(value);
  return isCalendarDate(value) || isDateTime(value);
}

/**
 * Dates as the contract writes them and nothing looser: `new Date()` and class-validator's
 * ISO-8601 check both take ISO week dates, ordinal dates and signed years, which then reach
 * PostgreSQL as values it cannot read.
 */
export function IsStrictDate(form: DateForm, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isStrictDate',
      constraints: [form],
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `$property must be ${DESCRIPTIONS[form]}`, ...options },
      validator: { validate: (value: unknown) => isStrictDate(value, form) },
    });
}

const DATE_TIME_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}[Tt]([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$';

/** The OpenAPI keywords of one date form, for the document built from the validators. */
export function strictDateSchema(form: DateForm): { format?: string; pattern?: string } {
  if (form === 'date') return { format: 'date' };
  // RFC 3339 also allows a leap second and any fraction; the validator takes neither.
  if (form === 'date-time') return { format: 'date-time', pattern: DATE_TIME_PATTERN };
  return { pattern: `^\\d{4}-\\d{2}-\\d{2}([Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2}))?$` };
}

/**
 * An instant as PostgreSQL reads it: ISO 8601 in UTC, years before 1 AD written with `BC` (1 BC is
 * year 0 to JavaScript, which PostgreSQL refuses). For SQL that the ORM renders with its values
 * inlined, where a Date would be written as `toISOString()`.
 */
export function postgresTimestamp(instant: Date): string {
  const year = instant.getUTCFullYear();
  const rest = instant.toISOString().replace(/^[+-]?\d+/, '');
  return year >= 1 ? `${String(year).padStart(4, '0')}${rest}` : `${String(1 - year).padStart(4, '0')}${rest} BC`;
}
