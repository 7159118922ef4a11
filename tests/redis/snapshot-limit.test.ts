// ElastiCache's 20 manual snapshots per node per 24 hours: counted over every 24-hour window of a year in
// the policy's zone, and a cache schedule that would pass it refused by `policy check` and packaging,
// naming the field.

import { describe, expect, it } from 'vitest';
import { InvalidPolicy } from '../../shared/errors.js';
import { assertSchedulesFire } from '../../shared/policy/summary.js';
import { maxRunsPerDay, SNAPSHOTS_PER_NODE_PER_DAY } from '../../shared/redis/snapshot-limit.js';
import { teamPolicy } from '../helpers/runtime.js';

describe('maxRunsPerDay', () => {
  it.each([
    ['cron(0 */6 * * ? *)', 'Asia/Tokyo', 4],
    ['cron(30 1 * * ? *)', 'Asia/Tokyo', 1],
    ['rate(72 minutes)', 'Asia/Tokyo', 20],
    ['cron(0 0/2 * * ? *)', 'Asia/Tokyo', 12],
  ])('%s in %s: %i', (expression, zone, runs) => {
    expect(maxRunsPerDay(expression, zone)).toBe(runs);
  });

  it('counts the repeated hour when daylight saving time ends: every 6 hours is 5 runs in some 24 hours in New York', () => {
    expect(maxRunsPerDay('cron(0 */6 * * ? *)', 'America/New_York')).toBe(5);
  });

  it('stops counting once past the limit', () => {
    expect(maxRunsPerDay('rate(1 minute)', 'Asia/Tokyo')).toBe(SNAPSHOTS_PER_NODE_PER_DAY + 1);
    expect(maxRunsPerDay('rate(1 hour)', 'Asia/Tokyo')).toBe(21);
  });
});

describe('policy check and packaging (assertSchedulesFire)', () => {
  const withSchedule = (schedule: string) =>
    teamPolicy((doc) => {
      doc.resources.caches[0].schedule = schedule;
    });
  const NOW = Date.parse('2026-12-02T00:00:00Z');

  it('accept a cache snapshot schedule of at most 20 runs in any 24 hours', () => {
    expect(() => assertSchedulesFire(withSchedule('rate(72 minutes)'), NOW)).not.toThrow();
  });

  it('refuse one of more, naming the field and the limit', () => {
    expect(() => assertSchedulesFire(withSchedule('cron(0 * * * ? *)'), NOW)).toThrow(
      new InvalidPolicy('resources.caches[0].schedule: runs 21 or more times in 24 hours: ElastiCache takes at most 20 manual snapshots per node in 24 hours'),
    );
  });
});
