// Retention durations ("30d", "12w", "1y6m", "36h"): parsing, printing, calendar subtraction in a time
// zone (Go's AddDate, as restic uses), and a conservative "covers at least" comparison for floors.

import { instantFromWall, MS, wallTime } from '../time/zone.js';

export interface Duration {
  readonly years: number;
  readonly months: number;
  readonly days: number;
  readonly hours: number;
}

const UNIT_PATTERN = /^(\d+)([ymwdh])/;

/**
 * Parses a duration made of number+unit pairs: y (years), m (months), w (weeks, = 7 days), d (days),
 * h (hours), e.g. "7y", "1y6m", "2w3d", "36h". Returns an error message instead of throwing so that
 * schema code can attach the field path.
 */
export function parseDuration(text: string): Duration | string {
  const source = text.trim();
  if (source === '') return 'a duration must not be empty (use e.g. "30d", "12w", "12m", "7y", "36h")';
  let rest = source;
  const totals = { years: 0, months: 0, days: 0, hours: 0 };
  const seen = new Set<string>();
  while (rest !== '') {
    const match = UNIT_PATTERN.exec(rest);
    if (match === null) {
      return `"${text}" is not a duration: expected number+unit pairs with units y, m, w, d, h (e.g. "30d", "1y6m")`;
    }
    const [whole, digits, unit] = match as unknown as [string, string, 'y' | 'm' | 'w' | 'd' | 'h'];
    if (seen.has(unit)) return `"${text}" repeats the unit "${unit}"`;
    seen.add(unit);
    const value = Number(digits);
    if (!Number.isSafeInteger(value) || value > 100_000) return `"${text}" has a number that is too large`;
    if (unit === 'y') totals.years += value;
    else if (unit === 'm') totals.months += value;
    else if (unit === 'w') totals.days += 7 * value;
    else if (unit === 'd') totals.days += value;
    else totals.hours += value;
    rest = rest.slice(whole.length);
  }
  return totals;
}

export function isZeroDuration(d: Duration): boolean {
  return d.years === 0 && d.months === 0 && d.days === 0 && d.hours === 0;
}

/** Canonical text, e.g. {years:1, months:6} → "1y6m"; weeks are printed as days. */
export function formatDuration(d: Duration): string {
  const parts: string[] = [];
  if (d.years !== 0) parts.push(`${d.years}y`);
  if (d.months !== 0) parts.push(`${d.months}m`);
  if (d.days !== 0) parts.push(`${d.days}d`);
  if (d.hours !== 0) parts.push(`${d.hours}h`);
  return parts.length === 0 ? '0h' : parts.join('');
}

/**
 * instant − duration: years, months and days are subtracted on the wall clock of the time zone (with
 * Go's normalisation: 03-31 minus 1m is "02-31", which is 03-02 or 03-03), then hours as elapsed time.
 */
export function subtractDuration(instant: number, d: Duration, timeZone: string): number {
  let result = instant;
  if (d.years !== 0 || d.months !== 0 || d.days !== 0) {
    const w = wallTime(instant, timeZone);
    result = instantFromWall(
      { ...w, year: w.year - d.years, month: w.month - d.months, day: w.day - d.days },
      timeZone,
    );
  }
  return result - d.hours * MS.hour;
}

/** instant + duration, the mirror of subtractDuration. */
export function addDuration(instant: number, d: Duration, timeZone: string): number {
  return subtractDuration(instant, { years: -d.years, months: -d.months, days: -d.days, hours: -d.hours }, timeZone);
}

/** Shortest and longest span, in hours, that a duration can measure on a calendar. */
function spanHours(d: Duration): { min: number; max: number } {
  const years = d.years + Math.floor(d.months / 12);
  const months = d.months % 12;
  const fixed = d.days * 24 + d.hours;
  // y consecutive years hold floor(y/4) or ceil(y/4) leap days (a century year may skip one).
  const minYearDays = 365 * years + Math.max(0, Math.floor(years / 4) - Math.ceil(years / 100));
  const maxYearDays = 365 * years + Math.ceil(years / 4);
  return { min: fixed + (minYearDays + 28 * months) * 24, max: fixed + (maxYearDays + 31 * months) * 24 };
}

/** Shortest and longest elapsed time a duration can measure on a calendar, in ms (a DST change aside). */
export function durationSpanMs(d: Duration): { min: number; max: number } {
  const { min, max } = spanHours(d);
  return { min: min * MS.hour, max: max * MS.hour };
}

/**
 * True when `a` reaches back at least as far as `b` on every calendar date. Conservative: "84m"
 * covers "7y", "52w" does not cover "1y", "2556d" does not cover "7y" (two leap days), "2557d" does.
 */
export function durationCovers(a: Duration, b: Duration): boolean {
  const aMonths = a.years * 12 + a.months;
  const bMonths = b.years * 12 + b.months;
  const aFixed = a.days * 24 + a.hours;
  const bFixed = b.days * 24 + b.hours;
  if (aMonths >= bMonths && aFixed >= bFixed) return true;
  return spanHours(a).min >= spanHours(b).max;
}

/** Whole days of a duration as S3 lifecycle rules count them: a month 30 days, a year 365, hours rounded up. */
export function durationDays(d: Duration): number {
  return d.years * 365 + d.months * 30 + d.days + Math.ceil(d.hours / 24);
}
