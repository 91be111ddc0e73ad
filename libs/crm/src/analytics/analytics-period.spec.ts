import { ValidationException } from '@app/common';
import { intervalsOf, periodOf } from './analytics-period';

const iso = (intervals: { start: Date; end: Date }[]) =>
  intervals.map(({ start, end }) => [start.toISOString().slice(0, 10), end.toISOString().slice(0, 10)]);

describe('analytics periods', () => {
  it('cuts a period into calendar months, clipping the first and the last', () => {
    const period = periodOf({ from: '2026-01-15', to: '2026-03-10' });
    expect(iso(intervalsOf(period, 'month'))).toEqual([
      ['2026-01-15', '2026-02-01'],
      ['2026-02-01', '2026-03-01'],
      ['2026-03-01', '2026-03-10'],
    ]);
  });

  it('cuts a period into ISO weeks starting on Mondays', () => {
    // 2026-03-04 is a Wednesday; the Mondays after it are 03-09 and 03-16.
    const period = periodOf({ from: '2026-03-04', to: '2026-03-18' });
    expect(iso(intervalsOf(period, 'week'))).toEqual([
      ['2026-03-04', '2026-03-09'],
      ['2026-03-09', '2026-03-16'],
      ['2026-03-16', '2026-03-18'],
    ]);
  });

  it('starts a week on the Monday itself when the period does', () => {
    expect(iso(intervalsOf(periodOf({ from: '2026-03-09', to: '2026-03-23' }), 'week'))).toEqual([
      ['2026-03-09', '2026-03-16'],
      ['2026-03-16', '2026-03-23'],
    ]);
  });

  it('refuses an empty or reversed period, naming to', () => {
    expect(() => periodOf({ from: '2026-03-09', to: '2026-03-09' })).toThrow(ValidationException);
  });

  it('refuses a period longer than three years', () => {
    expect(() => periodOf({ from: '2020-01-01', to: '2026-01-01' })).toThrow(ValidationException);
  });
});
