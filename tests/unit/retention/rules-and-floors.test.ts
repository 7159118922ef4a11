// The small pieces of the retention core, case by case: when a policy keeps nothing (rules.ts), what a
// compliance floor accepts (floor.ts), how rules are described (describe.ts), and how durations are
// read, bounded and compared (duration.ts).

import { describe, expect, it } from 'vitest';
import { formatRules } from '../../../shared/retention/describe.js';
import { durationCovers, durationSpanMs, isZeroDuration, parseDuration, subtractDuration, type Duration } from '../../../shared/retention/duration.js';
import { floorViolations } from '../../../shared/retention/floor.js';
import { COUNT_RULES, keepsNothing, WITHIN_BUCKET, WITHIN_RULES, type RetentionRules } from '../../../shared/retention/rules.js';
import { dur } from '../../helpers/snapshots.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const only = (field: keyof Duration): Duration => ({ years: 0, months: 0, days: 0, hours: 0, [field]: 1 });
/**
 * Rules and floors written with duration texts ("30d"), read inside each test: tables are built when the
 * file loads, and code run then counts as "static" for Stryker (every test reruns for its mutants).
 */
type Spec = Record<string, number | string | Duration | string[][]>;
const read = <T>(spec: Spec): T => Object.fromEntries(Object.entries(spec).map(([key, value]) => [key, typeof value === 'string' ? dur(value) : value])) as T;

describe('the rules restic understands', () => {
  it('has the count rules, the within-rules and the bucket of each, in restic\'s order', () => {
    expect(COUNT_RULES).toEqual(['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly']);
    expect(WITHIN_RULES).toEqual(['withinHourly', 'withinDaily', 'withinWeekly', 'withinMonthly', 'withinYearly']);
    expect(WITHIN_BUCKET).toEqual({ withinHourly: 'hourly', withinDaily: 'daily', withinWeekly: 'weekly', withinMonthly: 'monthly', withinYearly: 'yearly' });
  });
});

describe('keepsNothing', () => {
  it.each([
    { rules: {}, nothing: true },
    { rules: { last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 }, nothing: true },
    { rules: { within: '0d', withinDaily: '0h', withinYearly: '0y' }, nothing: true },
    { rules: { tags: [] }, nothing: true },
    { rules: { tags: [['release']] }, nothing: false },
    ...COUNT_RULES.flatMap((rule) => [
      { rules: { [rule]: 1 }, nothing: false },
      { rules: { [rule]: -1 }, nothing: false },
    ]),
    ...(['within', ...WITHIN_RULES] as const).flatMap((rule) => (['years', 'months', 'days', 'hours'] as const).map((field) => ({ rules: { [rule]: only(field) }, nothing: false }))),
  ] as { rules: Spec; nothing: boolean }[])('$rules keeps nothing: $nothing', ({ rules, nothing }) => {
    expect(keepsNothing(read<RetentionRules>(rules))).toBe(nothing);
  });
});

describe('compliance floors', () => {
  const violation = (tier: string, text: string) => `${tier} snapshots must be kept for at least ${text} (compliance floor)`;

  it.each([
    // Each count tier reaches back count buckets of its own size.
    { keep: { hourly: 48 }, floor: { hourly: '2d' }, ok: true },
    { keep: { hourly: 47 }, floor: { hourly: '2d' }, ok: false },
    { keep: { daily: 30 }, floor: { daily: '30d' }, ok: true },
    { keep: { daily: 29 }, floor: { daily: '30d' }, ok: false },
    { keep: { weekly: 12 }, floor: { weekly: '12w' }, ok: true },
    { keep: { weekly: 11 }, floor: { weekly: '12w' }, ok: false },
    { keep: { monthly: 12 }, floor: { monthly: '1y' }, ok: true },
    { keep: { monthly: 11 }, floor: { monthly: '1y' }, ok: false },
    { keep: { yearly: 7 }, floor: { yearly: '7y' }, ok: true },
    { keep: { yearly: 6 }, floor: { yearly: '7y' }, ok: false },
    { keep: { yearly: -1 }, floor: { yearly: '100y' }, ok: true },
    // A finer tier counts for a coarser floor; a coarser one never for a finer floor.
    { keep: { daily: 400 }, floor: { monthly: '12m' }, ok: true },
    { keep: { monthly: 100 }, floor: { daily: '30d' }, ok: false },
    { keep: { withinDaily: '31d' }, floor: { monthly: '1m' }, ok: true },
    { keep: { withinYearly: '7y' }, floor: { daily: '30d' }, ok: false },
    { keep: { withinMonthly: '1y' }, floor: { monthly: '1y' }, ok: true },
    { keep: { withinMonthly: '11m' }, floor: { monthly: '1y' }, ok: false },
    // `within` keeps every snapshot: it counts for every tier; `last` says nothing of time.
    { keep: { within: '1y' }, floor: { hourly: '1y', yearly: '1y' }, ok: true },
    { keep: { within: '11m' }, floor: { hourly: '1y' }, ok: false },
    { keep: { last: 100_000 }, floor: { hourly: '1h' }, ok: false },
    { keep: { daily: 0, withinDaily: '30d' }, floor: { daily: '30d' }, ok: true },
  ] as { keep: Spec; floor: Spec; ok: boolean }[])('$keep against $floor: accepted $ok', ({ keep, floor, ok }) => {
    expect(floorViolations(read(keep), read(floor)).length === 0).toBe(ok);
  });

  // A floor of zero ("daily: 0d") asks for nothing: once reported as "must be kept for at least 0h".
  it('accepts any policy against a floor of zero', () => {
    expect(floorViolations(read({ withinYearly: '7y' }), read({ daily: '0d' }))).toEqual([]);
  });

  it('names every tier below its floor, finest first (daily snapshots never make an hourly history)', () => {
    expect(floorViolations({ withinDaily: dur('7d') }, { yearly: dur('7y'), daily: dur('30d'), weekly: dur('12w'), monthly: dur('1m'), hourly: dur('36h') })).toEqual([
      violation('hourly', '36h'),
      violation('daily', '30d'),
      violation('weekly', '84d'),
      violation('monthly', '1m'),
      violation('yearly', '7y'),
    ]);
    expect(floorViolations({ daily: 3 }, {})).toEqual([]);
  });
});

describe('formatRules', () => {
  it('describes every kind of rule, in order', () => {
    expect(formatRules({ last: 3, daily: -1, weekly: 0, within: dur('2d'), withinDaily: dur('30d'), withinYearly: dur('7y'), tags: [['a', 'b'], ['c']] })).toBe(
      'keep 3 last, all daily, everything within 2d, daily within 30d, yearly within 7y, tagged [a, b], tagged [c]',
    );
    expect(formatRules({ hourly: 24, monthly: 12, yearly: 7 })).toBe('keep 24 hourly, 12 monthly, 7 yearly');
  });

  it('says so when nothing is kept', () => {
    expect(formatRules({})).toBe('keep nothing');
    expect(formatRules({ daily: 0, tags: [] })).toBe('keep nothing');
  });
});

describe('durations', () => {
  it.each([
    { text: '', error: 'a duration must not be empty (use e.g. "30d", "12w", "12m", "7y", "36h")' },
    { text: '   ', error: 'a duration must not be empty (use e.g. "30d", "12w", "12m", "7y", "36h")' },
    { text: '30 days', error: '"30 days" is not a duration: expected number+unit pairs with units y, m, w, d, h (e.g. "30d", "1y6m")' },
    { text: 'd30', error: '"d30" is not a duration: expected number+unit pairs with units y, m, w, d, h (e.g. "30d", "1y6m")' },
    { text: '1d2d', error: '"1d2d" repeats the unit "d"' },
    { text: 'xy1d', error: '"xy1d" is not a duration: expected number+unit pairs with units y, m, w, d, h (e.g. "30d", "1y6m")' },
    { text: '1dxy2h', error: '"1dxy2h" is not a duration: expected number+unit pairs with units y, m, w, d, h (e.g. "30d", "1y6m")' },
    { text: '100001d', error: '"100001d" has a number that is too large' },
    { text: '99999999999999999999y', error: '"99999999999999999999y" has a number that is too large' },
  ])('refuses "$text": $error', ({ text, error }) => {
    expect(parseDuration(text)).toBe(error);
  });

  it('reads each unit, a number up to 100,000, around blanks', () => {
    expect(parseDuration(' 100000d ')).toEqual({ years: 0, months: 0, days: 100_000, hours: 0 });
    expect(parseDuration('2y3m1w2d5h')).toEqual({ years: 2, months: 3, days: 9, hours: 5 });
    expect(parseDuration('0h')).toEqual({ years: 0, months: 0, days: 0, hours: 0 });
  });

  it('is zero only when every part is', () => {
    expect(isZeroDuration(dur('0d'))).toBe(true);
    for (const field of ['years', 'months', 'days', 'hours'] as const) expect(isZeroDuration(only(field))).toBe(false);
  });

  it('subtracts hours as elapsed time, even from the second pass of a repeated hour', () => {
    // London, 2024-10-27: 01:00–02:00 comes twice; 01:30 GMT is the second 01:30.
    const secondPass = Date.parse('2024-10-27T01:30:00.250Z');
    expect(subtractDuration(secondPass, dur('1h'), 'Europe/London')).toBe(Date.parse('2024-10-27T00:30:00.250Z'));
    expect(subtractDuration(secondPass, dur('2h'), 'Europe/London')).toBe(Date.parse('2024-10-26T23:30:00.250Z'));
    expect(subtractDuration(secondPass, dur('1d'), 'Europe/London')).toBe(Date.parse('2024-10-26T00:30:00.250Z'));
  });

  it.each([
    { text: '1y', min: 365 * DAY, max: 366 * DAY },
    { text: '4y', min: 1460 * DAY, max: 1461 * DAY },
    { text: '8y', min: 2921 * DAY, max: 2922 * DAY },
    { text: '100y', min: (36_500 + 24) * DAY, max: (36_500 + 25) * DAY },
    { text: '1m', min: 28 * DAY, max: 31 * DAY },
    { text: '13m', min: (365 + 28) * DAY, max: (366 + 31) * DAY },
    { text: '24m', min: 730 * DAY, max: 731 * DAY },
    { text: '2w3d5h', min: 17 * DAY + 5 * HOUR, max: 17 * DAY + 5 * HOUR },
  ])('spans $text at least $min and at most $max ms', ({ text, min, max }) => {
    expect(durationSpanMs(dur(text))).toEqual({ min, max });
  });

  it.each([
    ['1y1d', '1y', true],
    ['1y', '1y1h', false],
    ['1y1h', '1y1h', true],
    ['2y', '1y11m', true],
    ['1y11m', '2y', false],
    ['367d', '1y', true],
    ['400d', '13m', true],
    ['396d', '13m', false],
    ['25h', '1d', true],
    ['23h', '1d', false],
    ['1d', '24h', true],
    ['1m1d', '1m24h', true],
    ['1m23h', '1m1d', false],
  ])('%s covers %s: %s', (a, b, expected) => {
    expect(durationCovers(dur(a), dur(b))).toBe(expected);
  });
});
