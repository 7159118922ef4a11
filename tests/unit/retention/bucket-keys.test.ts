// The calendar arithmetic the retention engine runs per snapshot, against slower references it replaced:
// bucket keys (hour, day, ISO week, month, year on the zone's clock) computed without a Date, days from a
// calendar date, and zone offsets read from the offset Intl prints instead of from every calendar field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketKeyer, RememberedBucketKeys } from '../../../shared/retention/apply-policy.js';
import { civilFromDays, daysFromCivil, isoWeek, offsetAt, wallTime } from '../../../shared/time/zone.js';

const ZONES = ['Asia/Tokyo', 'UTC', 'Europe/Berlin', 'America/New_York', 'America/St_Johns', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kolkata', 'Africa/Casablanca', 'Pacific/Apia', 'America/Sao_Paulo'];
const DAY = 86_400_000;

/** The keys as the engine once made them: wall time, then isoWeek through Date. */
function referenceKeys(time: number, timeZone: string) {
  const w = wallTime(time, timeZone);
  const week = isoWeek(w.year, w.month, w.day);
  const daily = w.year * 10_000 + w.month * 100 + w.day;
  return { hourly: daily * 100 + w.hour, daily, weekly: week.year * 100 + week.week, monthly: w.year * 100 + w.month, yearly: w.year };
}

/** Instants from year 1 to 9999, dense around the turns of years (ISO weeks 52, 53 and 1). */
const instant = fc.oneof(
  fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31) }),
  fc.tuple(fc.integer({ min: 1900, max: 2100 }), fc.integer({ min: -5 * DAY, max: 5 * DAY })).map(([year, shift]) => Date.UTC(year, 0, 1) + shift),
);

describe('bucket keys', () => {
  it('are those of the wall time and ISO week in the zone, for instants in any order', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.array(instant, { minLength: 1, maxLength: 40 }), (timeZone, times) => {
        const keyer = new BucketKeyer(timeZone);
        for (const time of times) expect({ ...keyer.at(time) }, `${new Date(time).toISOString()} ${timeZone}`).toEqual(referenceKeys(time, timeZone));
      }),
      { numRuns: 300 },
    );
  });

  it('are the same when remembered per instant, and a remembered set is not overwritten by the next look-up', () => {
    const remembered = new RememberedBucketKeys('Europe/Berlin');
    const first = remembered.at(Date.UTC(2026, 2, 29, 0, 30));
    const copy = { ...first };
    remembered.at(Date.UTC(2027, 0, 1));
    expect(first).toEqual(copy);
    expect(remembered.at(Date.UTC(2026, 2, 29, 0, 30))).toBe(first);
    fc.assert(
      fc.property(fc.array(instant, { maxLength: 30 }), (times) => {
        for (const time of times) expect(remembered.at(time)).toEqual(referenceKeys(time, 'Europe/Berlin'));
      }),
      { numRuns: 100 },
    );
  });
});

describe('days from a calendar date', () => {
  it('inverts civilFromDays and agrees with Date.UTC, leap years and year 0 included', () => {
    fc.assert(
      fc.property(fc.integer({ min: -800_000, max: 3_000_000 }), (days) => {
        const { year, month, day } = civilFromDays(days);
        expect(daysFromCivil(year, month, day)).toBe(days);
        const date = new Date(0);
        date.setUTCFullYear(year, month - 1, day);
        expect(date.getTime() / DAY).toBe(days);
      }),
      { numRuns: 5000 },
    );
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1) - daysFromCivil(2000, 2, 28)).toBe(2);
    expect(daysFromCivil(1900, 3, 1) - daysFromCivil(1900, 2, 28)).toBe(1);
  });
});

/** A zone's offset as zone.ts once read it: every calendar field to parts, then subtracted. */
function referenceOffset(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
  }).formatToParts(new Date(instant));
  const field = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const year = parts.find((p) => p.type === 'era')?.value === 'BC' ? 1 - field('year') : field('year');
  const date = new Date(0);
  date.setUTCFullYear(year, field('month') - 1, field('day'));
  date.setUTCHours(field('hour'), field('minute'), field('second'));
  return date.getTime() - (instant - (((instant % 1000) + 1000) % 1000));
}

describe('zone offsets', () => {
  it('are what the calendar fields gave, in every zone the runtime knows, local mean times with seconds included', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    const instants = [Date.UTC(1850, 0, 1), Date.UTC(1900, 5, 1, 12), Date.UTC(1945, 8, 1), Date.UTC(1990, 2, 25, 1, 30), Date.UTC(2026, 9, 25, 0, 59, 59), Date.UTC(2100, 6, 1), -62_135_596_800_000];
    for (const timeZone of zones) {
      for (const time of instants) expect(offsetAt(time, timeZone), `${timeZone} ${new Date(time).toISOString()}`).toBe(referenceOffset(time, timeZone));
    }
  });

  it('are what the calendar fields gave around daylight-saving changes, minute by minute', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: 1970, max: 2040 }), fc.integer({ min: 0, max: 365 * 24 * 60 }), (timeZone, year, minute) => {
        const time = Date.UTC(year, 0, 1) + minute * 60_000;
        expect(offsetAt(time, timeZone)).toBe(referenceOffset(time, timeZone));
      }),
      { numRuns: 3000 },
    );
  });
});
