// Wall-clock arithmetic in IANA zones: which instants a wall time names (none in a DST gap, two in a
// fall-back), the one calendar arithmetic uses, and calendar helpers for years below 100.
import { describe, expect, it } from 'vitest';
import { dayOfWeek, daysInMonth, formatIsoInZone, formatWall, instantFromWall, isoWeek, wallInstants, wallTime } from '../../../shared/time/zone.js';

const iso = (instants: readonly number[]) => instants.map((t) => new Date(t).toISOString());

describe('wallInstants', () => {
  it.each([
    // Berlin (east of UTC) springs forward 2025-03-30 02:00 CET → 03:00 CEST; New York (west) 2025-03-09 02:00 EST → 03:00 EDT.
    ['Europe/Berlin', { year: 2025, month: 3, day: 30, hour: 2, minute: 30 }, []],
    ['America/New_York', { year: 2025, month: 3, day: 9, hour: 2, minute: 30 }, []],
    // Lord Howe springs forward half an hour: 02:00 → 02:30.
    ['Australia/Lord_Howe', { year: 2025, month: 10, day: 5, hour: 2, minute: 15 }, []],
    // Fall-back: both passes, the earlier first.
    ['Europe/Berlin', { year: 2025, month: 10, day: 26, hour: 2, minute: 30 }, ['2025-10-26T00:30:00.000Z', '2025-10-26T01:30:00.000Z']],
    ['America/New_York', { year: 2025, month: 11, day: 2, hour: 1, minute: 30 }, ['2025-11-02T05:30:00.000Z', '2025-11-02T06:30:00.000Z']],
    ['Asia/Tokyo', { year: 2025, month: 3, day: 30, hour: 2, minute: 30 }, ['2025-03-29T17:30:00.000Z']],
    ['Europe/Berlin', { year: 2025, month: 3, day: 30, hour: 3, minute: 0 }, ['2025-03-30T01:00:00.000Z']],
  ])('in %s, %o is %j', (timeZone, wall, expected) => {
    expect(iso(wallInstants(wall, timeZone))).toEqual(expected);
  });
});

describe('instantFromWall resolves a gap and a fold the same way whatever the zone’s sign', () => {
  it.each([
    // In a gap: read with the offset before it, so 02:30 lands at 03:30 after the change, in both zones.
    ['Europe/Berlin', { year: 2025, month: 3, day: 30, hour: 2, minute: 30 }, '2025-03-30T03:30:00+02:00'],
    ['America/New_York', { year: 2025, month: 3, day: 9, hour: 2, minute: 30 }, '2025-03-09T03:30:00-04:00'],
    // In a fold: the first pass, in both zones.
    ['Europe/Berlin', { year: 2025, month: 10, day: 26, hour: 2, minute: 30 }, '2025-10-26T02:30:00+02:00'],
    ['America/New_York', { year: 2025, month: 11, day: 2, hour: 1, minute: 30 }, '2025-11-02T01:30:00-04:00'],
    // Go's normalisation of out-of-range fields: "February 31" is 3 March.
    ['UTC', { year: 2025, month: 2, day: 31 }, '2025-03-03T00:00:00+00:00'],
  ])('in %s, %o is %s', (timeZone, wall, expected) => {
    expect(formatIsoInZone(instantFromWall(wall, timeZone), timeZone)).toBe(expected);
  });
});

describe('years below 100 (Date.UTC would read year 1 as 1901)', () => {
  it('formats 0001-01-01T00:00Z as year 1, in UTC and in a zone (Tokyo had local mean time, +09:18:59, then)', () => {
    const instant = Date.parse('0001-01-01T00:00:00Z');
    expect(formatWall(instant, 'UTC')).toBe('0001-01-01 00:00');
    expect(wallTime(instant, 'UTC').year).toBe(1);
    expect(formatWall(instant, 'Asia/Tokyo')).toBe('0001-01-01 09:18');
  });

  it('knows weekdays, month lengths and ISO weeks of such years', () => {
    expect(dayOfWeek(1, 1, 1)).toBe(1); // 1 January of year 1 (proleptic Gregorian) was a Monday
    expect(daysInMonth(4, 2)).toBe(29);
    expect(daysInMonth(100, 2)).toBe(28);
    expect(isoWeek(1, 1, 1)).toEqual({ year: 1, week: 1 });
  });
});
