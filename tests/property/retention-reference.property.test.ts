// The retention engine against a second implementation written from README alone (./restic-reference.ts):
// for generated snapshot lists, policies, clocks and time zones — DST zones, half- and quarter-hour
// offsets, month ends, leap days — applyPolicy must give every snapshot exactly the reasons the
// reference gives it, in the same order; and the calendar helpers must agree with Intl's wall clock.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPolicy } from '../../shared/retention/apply-policy.js';
import { bucketEnd, bucketStart } from '../../shared/retention/calendar-buckets.js';
import { addDuration, formatDuration, subtractDuration } from '../../shared/retention/duration.js';
import type { RetentionRules } from '../../shared/retention/rules.js';
import { sortNewestFirst } from '../../shared/retention/sort.js';
import { dur } from '../helpers/snapshots.js';
import { instantOf, label, minus, referencePolicy, wallOf } from './restic-reference.js';

const NUM_RUNS = 250;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Instants near the edges that matter: new years, DST changes, month ends, a leap day. */
const CENTRES = ['2024-12-31T15:00:00Z', '2024-03-10T07:00:00Z', '2024-10-27T01:00:00Z', '2024-04-06T15:30:00Z', '2023-03-31T12:00:00Z', '2020-02-29T12:00:00Z', '2021-01-03T12:00:00Z'].map(Date.parse);
const ZONES = ['Asia/Tokyo', 'UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns'] as const;

const instant = fc.oneof(
  fc.integer({ min: Date.parse('2019-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') }),
  fc.tuple(fc.constantFrom(...CENTRES), fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 })).map(([c, m]) => c + m * MINUTE),
  fc.tuple(fc.constantFrom(...CENTRES), fc.integer({ min: -800, max: 40 }), fc.integer({ min: 0, max: 23 })).map(([c, d, h]) => c + d * DAY + h * HOUR),
);

/** Up to 30 snapshots over a pool of instants (so equal instants occur), tagged from a, b, c. */
const snapshots = fc
  .tuple(fc.array(instant, { minLength: 1, maxLength: 24 }), fc.array(fc.record({ pick: fc.nat(), tags: fc.subarray(['a', 'b', 'c'], { maxLength: 2 }) }), { maxLength: 30 }))
  .map(([pool, entries]) => entries.map((e, i) => ({ id: `s${i}`, time: pool[e.pick % pool.length]!, tags: e.tags })));

const duration = fc
  .oneof(fc.constantFrom('30d', '12w', '12m', '7y', '36h', '1y6m', '1m', '1y', '2d', '0d'), fc.tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom('y', 'm', 'w', 'd', 'h')).map(([n, u]) => `${n}${u}`))
  .map(dur);
const compound = fc.tuple(duration, duration).map(([a, b]) => ({ years: a.years, months: b.months, days: a.days + b.days, hours: b.hours }));

const RULE_KEYS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly', 'within', 'withinHourly', 'withinDaily', 'withinWeekly', 'withinMonthly', 'withinYearly', 'tags'] as const;
const rules: fc.Arbitrary<RetentionRules> = fc
  .uniqueArray(fc.constantFrom(...RULE_KEYS), { minLength: 1, maxLength: 5 })
  .chain((keys) =>
    fc.tuple(
      ...keys.map((key) =>
        (key === 'tags'
          ? fc.array(fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 })
          : key.startsWith('within')
            ? fc.oneof(duration, compound)
            : fc.integer({ min: -1, max: 6 })
        ).map((value) => [key, value] as const),
      ),
    ),
  )
  .map((entries) => Object.fromEntries(entries) as RetentionRules);

const now = fc.oneof({ arbitrary: fc.constant(Date.parse('2027-06-01T00:00:00Z')), weight: 2 }, { arbitrary: instant, weight: 1 });
const zone = fc.constantFrom(...ZONES);

describe('applyPolicy equals the plain reference implementation', () => {
  it('gives every snapshot the same reasons, in the same order, newest first', () => {
    fc.assert(
      fc.property(snapshots, rules, now, zone, (list, keep, at, tz) => {
        const engine = applyPolicy(list, keep, { now: at, timeZone: tz }).decisions.map((d) => [d.snapshot.id, d.reasons]);
        const reference = referencePolicy(list, keep, at, tz).map((d) => [d.snapshot.id, d.reasons]);
        expect(engine).toEqual(reference);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('for daily snapshots over years under the kind of policy the team uses', () => {
    const days = fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 30, max: 700 }), fc.integer({ min: 0, max: 23 })).map(([start, length, hour]) =>
      Array.from({ length }, (_, i) => ({ id: `d${i}`, time: Date.parse('2018-01-01T00:00:00Z') + (start + i) * DAY + hour * HOUR })),
    );
    const gfs = fc.record({ withinDaily: duration, withinWeekly: duration, withinMonthly: duration, withinYearly: duration, last: fc.integer({ min: 0, max: 3 }) });
    fc.assert(
      fc.property(days, gfs, zone, (list, keep, tz) => {
        const at = list[list.length - 1]!.time + HOUR;
        const engine = applyPolicy(list, keep, { now: at, timeZone: tz }).decisions.map((d) => [d.snapshot.id, d.reasons]);
        expect(engine).toEqual(referencePolicy(list, keep, at, tz).map((d) => [d.snapshot.id, d.reasons]));
      }),
      { numRuns: 40 },
    );
  });

  it('reports the instant within-rules measure from: the newest snapshot strictly before now', () => {
    fc.assert(
      fc.property(snapshots, now, (list, at) => {
        const past = list.filter((s) => s.time < at).map((s) => s.time);
        expect(applyPolicy(list, { last: 1 }, { now: at, timeZone: 'UTC' }).latest).toBe(past.length === 0 ? null : Math.max(...past));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('the calendar helpers agree with the wall clock', () => {
  it('subtracts and adds durations on the zone\'s calendar, and prints them as restic does', () => {
    fc.assert(
      fc.property(instant, fc.oneof(duration, compound), zone, (t, d, tz) => {
        expect(subtractDuration(t, d, tz)).toBe(minus(t, d, tz));
        expect(addDuration(t, d, tz)).toBe(minus(t, { years: -d.years, months: -d.months, days: -d.days, hours: -d.hours }, tz));
        expect(formatDuration(d)).toBe(label(d));
      }),
      { numRuns: 200 },
    );
  });

  it('puts each bucket\'s start and end at the wall clock\'s hour, day, Monday, first of the month and new year', () => {
    const units = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
    fc.assert(
      fc.property(instant, fc.constantFrom(...units), zone, (t, unit, tz) => {
        const w = wallOf(t, tz);
        const monday = w.day - ((new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7);
        const starts = {
          hourly: [{ ...w, minute: 0, second: 0, ms: 0 }, { ...w, hour: w.hour + 1, minute: 0, second: 0, ms: 0 }],
          daily: [{ ...w, hour: 0, minute: 0, second: 0, ms: 0 }, { ...w, day: w.day + 1, hour: 0, minute: 0, second: 0, ms: 0 }],
          weekly: [{ ...w, day: monday, hour: 0, minute: 0, second: 0, ms: 0 }, { ...w, day: monday + 7, hour: 0, minute: 0, second: 0, ms: 0 }],
          monthly: [{ ...w, day: 1, hour: 0, minute: 0, second: 0, ms: 0 }, { ...w, month: w.month + 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 }],
          yearly: [{ ...w, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 }, { ...w, year: w.year + 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 }],
        }[unit];
        expect(bucketStart(t, unit, tz)).toBe(instantOf(starts[0]!, tz));
        expect(bucketEnd(t, unit, tz)).toBe(instantOf(starts[1]!, tz));
      }),
      { numRuns: 200 },
    );
  });

  it('sorts any instants newest first, keeping the input order of equal ones', () => {
    const times = fc.oneof(
      fc.array(fc.integer({ min: -1e13, max: 1e13 }), { maxLength: 40 }),
      fc.array(fc.constantFrom(0, 1, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 40, 2 ** 48 + 7, -5), { maxLength: 40 }),
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 20 }),
    );
    fc.assert(
      fc.property(times, (list) => {
        const items = list.map((time, i) => ({ time, i }));
        const expected = [...items].sort((a, b) => b.time - a.time || a.i - b.i);
        expect(sortNewestFirst(items)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});
