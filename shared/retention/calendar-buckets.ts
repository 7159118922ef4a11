// Where the calendar buckets the retention rules group snapshots by (the hour, day, ISO week, month and
// year on the zone's wall clock, as apply-policy.ts keys them) begin and end, as instants.

import { dayOfWeek, instantFromWall, wallTime } from '../time/zone.js';
import type { COUNT_RULES } from './rules.js';

export type BucketUnit = Exclude<(typeof COUNT_RULES)[number], 'last'>;

/** The instant the bucket holding `instant` begins (its wall start; a repeated hour at its first pass). */
export function bucketStart(instant: number, unit: BucketUnit, timeZone: string): number {
  return instantFromWall(bucketWallStart(instant, unit, timeZone, 0), timeZone);
}

/** The instant the bucket after the one holding `instant` begins: the first instant not in this bucket. */
export function bucketEnd(instant: number, unit: BucketUnit, timeZone: string): number {
  return instantFromWall(bucketWallStart(instant, unit, timeZone, 1), timeZone);
}

/** The wall start of the bucket `shift` buckets after the one holding `instant` (fields may overflow). */
function bucketWallStart(instant: number, unit: BucketUnit, timeZone: string, shift: number) {
  const w = wallTime(instant, timeZone);
  switch (unit) {
    case 'hourly':
      return { year: w.year, month: w.month, day: w.day, hour: w.hour + shift };
    case 'daily':
      return { year: w.year, month: w.month, day: w.day + shift };
    case 'weekly': {
      const sinceMonday = (dayOfWeek(w.year, w.month, w.day) + 6) % 7;
      return { year: w.year, month: w.month, day: w.day - sinceMonday + 7 * shift };
    }
    case 'monthly':
      return { year: w.year, month: w.month + shift, day: 1 };
    case 'yearly':
      return { year: w.year + shift, month: 1, day: 1 };
  }
}
