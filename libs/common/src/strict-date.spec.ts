import { validate } from 'class-validator';
import { isCalendarDate, isDateTime, IsStrictDate, postgresTimestamp } from './strict-date';

describe('isCalendarDate', () => {
  it.each(['2026-12-31', '2024-02-29', '0001-01-01', '9999-12-31'])('accepts %s', (value) => {
    expect(isCalendarDate(value)).toBe(true);
  });

  it.each([
    ['year 0000', '0000-01-01'],
    ['an ISO week date', '2026-W01'],
    ['an ISO week date with a day', '2026-W01-1'],
    ['an ordinal date', '2026-001'],
    ['a signed year', '-2030-01-01'],
    ['an expanded year', '+002026-01-01'],
    ['a basic-format date', '20261231'],
    ['the 30th of February', '2026-02-30'],
    ['the 29th of February of a common year', '2025-02-29'],
    ['month 13', '2026-13-01'],
    ['day 0', '2026-01-00'],
    ['a date-time', '2026-01-01T00:00:00Z'],
    ['a year and month only', '2026-01'],
    ['surrounding spaces', ' 2026-01-01'],
  ])('refuses %s', (_, value) => {
    expect(isCalendarDate(value)).toBe(false);
  });
});

describe('isDateTime', () => {
  it.each([
    '2026-12-01T10:20:30Z',
    '2026-12-01T10:20:30.123456Z',
    '2026-12-01t10:20:30z',
    '2026-12-01T10:20:30+05:30',
    '2026-12-01T10:20:30-00:00',
  ])('accepts %s', (value) => {
    expect(isDateTime(value)).toBe(true);
  });

  it.each([
    ['a signed year', '-2030-01-01T00:00:00Z'],
    ['year 0000', '0000-12-31T23:59:59Z'],
    ['an ISO week date-time', '2026-W01-1T00:00:00Z'],
    ['an ordinal date-time', '2026-001T00:00:00Z'],
    ['no offset', '2026-12-01T10:20:30'],
    ['no seconds', '2026-12-01T10:20Z'],
    ['hour 24', '2026-12-01T24:00:00Z'],
    ['a leap second', '2026-12-31T23:59:60Z'],
    ['an offset of 24 hours', '2026-12-01T10:20:30+24:00'],
    ['a basic-format offset', '2026-12-01T10:20:30+0530'],
    ['a space instead of T', '2026-12-01 10:20:30Z'],
    ['the 31st of April', '2026-04-31T00:00:00Z'],
    ['a number', 1764584430000],
  ])('refuses %s', (_, value) => {
    expect(isDateTime(value)).toBe(false);
  });
});

describe('IsStrictDate', () => {
  class Range {
    @IsStrictDate('date-or-date-time')
    from!: unknown;
  }

  it('accepts either a calendar date or a date-time', async () => {
    for (const from of ['2026-01-01', '2026-01-01T00:00:00Z'])
      expect(await validate(Object.assign(new Range(), { from }))).toHaveLength(0);
  });

  it('explains the accepted forms in its message', async () => {
    const [error] = await validate(Object.assign(new Range(), { from: '2026-W01' }));
    expect(error.constraints?.isStrictDate).toBe(
      'from must be a calendar date (YYYY-MM-DD) or an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SSZ)',
    );
  });
});

describe('postgresTimestamp', () => {
  it.each([
    ['2026-12-07T04:30:00.250+01:00', '2026-12-07T03:30:00.250Z'],
    ['0001-01-01T23:59:00Z', '0001-01-01T23:59:00.000Z'],
    ['0001-01-01T00:00:00+23:59', '0001-12-31T00:01:00.000Z BC'],
    ['9999-12-31T23:59:59-23:59', '10000-01-01T23:58:59.000Z'],
  ])('writes %s as %s', (value, expected) => {
    expect(postgresTimestamp(new Date(value))).toBe(expected);
  });
});
