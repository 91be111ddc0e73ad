import { nextRun } from './lead-score.schedule';

describe('nightly lead score schedule', () => {
  it('runs at 03:00 UTC the same day when that is still ahead', () => {
    expect(nextRun(new Date('2026-12-08T01:30:00Z')).toISOString()).toBe('2026-12-08T03:00:00.000Z');
  });

  it('runs at 03:00 UTC the next day once it has passed', () => {
    expect(nextRun(new Date('2026-12-08T03:00:00Z')).toISOString()).toBe('2026-12-09T03:00:00.000Z');
  });
});
