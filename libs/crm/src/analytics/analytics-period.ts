import { ValidationException } from '@app/common';
import { MAX_SPAN_DAYS, type PipelineInterval } from './analytics.query';

const DAY_MS = 86_400_000;

export interface Period {
  from: Date;
  to: Date;
}

/** `[from, to)` from validated strings: `to` after `from`, at most MAX_SPAN_DAYS apart (else 400 naming `to`). */
export function periodOf(query: { from: string; to: string }): Period {
  const from = new Date(query.from);
  const to = new Date(query.to);
  if (from.getTime() >= to.getTime())
    throw new ValidationException([{ field: 'to', message: 'to must be after from' }]);
  if (to.getTime() - from.getTime() > MAX_SPAN_DAYS * DAY_MS)
    throw new ValidationException([{ field: 'to', message: `to must be at most ${MAX_SPAN_DAYS} days after from` }]);
  return { from, to };
}

/** The next calendar month (UTC) or ISO week (Monday 00:00 UTC) boundary strictly after `at`. */
function nextBoundary(at: Date, interval: PipelineInterval): Date {
  if (interval === 'month') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const daysToMonday = (8 - new Date(midnight).getUTCDay()) % 7 || 7;
  return new Date(midnight + daysToMonday * DAY_MS);
}

/** The intervals of a period: calendar months or ISO weeks, the first and last clipped to it. */
export function intervalsOf(period: Period, interval: PipelineInterval): { start: Date; end: Date }[] {
  const intervals: { start: Date; end: Date }[] = [];
  for (let start = period.from; start < period.to;) {
    const boundary = nextBoundary(start, interval);
    const end = boundary < period.to ? boundary : period.to;
    intervals.push({ start, end });
    start = end;
  }
  return intervals;
}
