// Decides what an EventBridge Scheduler expression ("cron(0 2 * * ? *)", "rate(6 hours)") means:
// whether AWS would accept it, and at which instants it fires in a given IANA time zone.

import { InvalidInput } from '../errors.js';
import { dayOfWeek, daysInMonth, formatWall, isValidTimeZone, MS, offsetAt, wallInstants, wallTime } from '../time/zone.js';

/** Which days of a month a cron expression fires on; exactly one of day-of-month / day-of-week decides. */
export type DayRule =
  /** Day-of-month list, 1–31 (a day the month lacks is skipped, as AWS does). */
  | { readonly kind: 'daysOfMonth'; readonly days: readonly number[] }
  /** Day-of-month `L`. */
  | { readonly kind: 'lastDayOfMonth' }
  /** Day-of-month `LW`: the last Monday–Friday of the month. */
  | { readonly kind: 'lastWeekdayOfMonth' }
  /** Day-of-month `15W`: the Monday–Friday nearest that day, never leaving the month. */
  | { readonly kind: 'nearestWeekday'; readonly day: number }
  /** Day-of-week list, 1 = Sunday … 7 = Saturday. */
  | { readonly kind: 'daysOfWeek'; readonly days: readonly number[] }
  /** Day-of-week `5L`: the last such day of the month. */
  | { readonly kind: 'lastDayOfWeekInMonth'; readonly weekday: number }
  /** Day-of-week `3#2`: the nth such day of the month (1–5). */
  | { readonly kind: 'nthDayOfWeekInMonth'; readonly weekday: number; readonly nth: number };

export interface CronSchedule {
  readonly kind: 'cron';
  readonly source: string;
  /** Sorted, distinct values of each field. */
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: readonly number[];
  readonly years: readonly number[];
  readonly day: DayRule;
}

export interface RateSchedule {
  readonly kind: 'rate';
  readonly source: string;
  readonly everyMs: number;
}

export type ScheduleExpression = CronSchedule | RateSchedule;

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS = {
  minutes: { name: 'minutes', min: 0, max: 59 },
  hours: { name: 'hours', min: 0, max: 23 },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31 },
  month: { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, names: DAY_NAMES },
  year: { name: 'year', min: 1970, max: 2199 },
} as const satisfies Record<string, FieldSpec>;

const RATE_UNITS = {
  minute: MS.minute,
  minutes: MS.minute,
  hour: MS.hour,
  hours: MS.hour,
  day: MS.day,
  days: MS.day,
} as const;

const DEFAULT_LIMIT = 100_000;
const TYPICAL_WINDOW_MS = 366 * MS.day;

/** Throws the InvalidInput for one cron field (or pair of fields, for the day-of-month/week rule). */
type Fail = (fieldName: string, reason: string) => never;

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * Parses "cron(0 2 * * ? *)" or "rate(6 hours)". Throws InvalidInput(field, reason) where reason
 * names the cron field and value at fault; `field` is the caller's path to the expression.
 */
export function parseScheduleExpression(expression: string, field = 'schedule'): ScheduleExpression {
  if (typeof expression !== 'string') throw new InvalidInput(field, 'expected a schedule expression string');
  const source = expression.trim();
  const cron = /^cron\((.*)\)$/s.exec(source);
  if (cron !== null) return parseCron(source, cron[1] ?? '', field);
  const rate = /^rate\((.*)\)$/s.exec(source);
  if (rate !== null) return parseRate(source, rate[1] ?? '', field);
  if (/^at\(/.test(source)) {
    throw new InvalidInput(field, `one-time at(...) schedules are not supported; use cron(...) or rate(...), got "${source}"`);
  }
  throw new InvalidInput(field, `expected "cron(minutes hours day-of-month month day-of-week year)" or "rate(value unit)", got "${source}"`);
}

function parseCron(source: string, body: string, field: string): CronSchedule {
  const fail: Fail = (fieldName, reason) => {
    throw new InvalidInput(field, `cron ${fieldName}: ${reason}`);
  };
  const parts = body.trim() === '' ? [] : body.trim().split(/\s+/);
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = parts;
  if (
    parts.length !== 6 ||
    minutes === undefined ||
    hours === undefined ||
    dayOfMonth === undefined ||
    month === undefined ||
    dayOfWeek === undefined ||
    year === undefined
  ) {
    throw new InvalidInput(
      field,
      `cron expression needs 6 fields (minutes hours day-of-month month day-of-week year), got ${parts.length} in "${source}"`,
    );
  }
  const cron: CronSchedule = {
    kind: 'cron',
    source,
    minutes: parseList(minutes, FIELDS.minutes, fail),
    hours: parseList(hours, FIELDS.hours, fail),
    months: parseList(month, FIELDS.month, fail),
    years: parseList(year, FIELDS.year, fail),
    day: parseDayRule(dayOfMonth, dayOfWeek, fail),
  };
  if (!hasAnyDate(cron)) {
    const [dayField, dayText] = dayOfMonth === '?' ? ['day-of-week', dayOfWeek] : ['day-of-month', dayOfMonth];
    fail(
      `${dayField}, month and year fields`,
      `never fires: no date is day "${dayText}" of month "${month}" in year "${year}" (e.g. there is no 31 FEB)`,
    );
  }
  return cron;
}

/**
 * True when some (year, month, day) satisfies the year, month and day fields. The year field ends in
 * 2199, so this looks at every date the expression can name: a false here is final, whatever the clock.
 */
function hasAnyDate(cron: CronSchedule): boolean {
  return cron.years.some((year) => cron.months.some((month) => matchingDays(cron.day, year, month).length > 0));
}

function fieldLabel(spec: FieldSpec): string {
  return `${spec.name} field`;
}

/** A comma list of `*`, `n`, `a-b`, each optionally `/step`, as sorted distinct values. */
function parseList(text: string, spec: FieldSpec, fail: Fail): number[] {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    for (const value of parseItem(item, spec, fail)) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function parseItem(item: string, spec: FieldSpec, fail: Fail): number[] {
  const label = fieldLabel(spec);
  if (item === '') fail(label, 'empty item in the comma list');
  rejectSpecialCharacters(item, spec, fail);
  const [base = '', step, ...extra] = item.split('/');
  if (extra.length > 0) fail(label, `"${item}" has more than one /`);
  if (base === '') fail(label, `"${item}" needs a value, range or * before /`);
  const increment = step === undefined ? 1 : parseStep(step, item, spec, fail);
  let start: number;
  let end: number;
  if (base === '*') {
    start = spec.min;
    end = spec.max;
  } else if (base.includes('-')) {
    [start, end] = parseRange(base, spec, fail);
  } else {
    start = parseValue(base, spec, fail);
    end = step === undefined ? start : spec.max;
  }
  const values: number[] = [];
  for (let value = start; value <= end; value += increment) values.push(value);
  return values;
}

/** `?`, `L`, `W` and `#` have their own rules; here they are out of place. */
function rejectSpecialCharacters(item: string, spec: FieldSpec, fail: Fail): void {
  const label = fieldLabel(spec);
  const isDayField = spec.name === FIELDS.dayOfMonth.name || spec.name === FIELDS.dayOfWeek.name;
  if (item.includes('?')) {
    fail(label, isDayField ? '? must stand alone, not in a list, range or step' : '? is only allowed in day-of-month or day-of-week');
  }
  const tokens = item.split(/[-/]/).filter((token) => token !== '' && !(spec.names ?? []).includes(token.toUpperCase()));
  for (const token of tokens) {
    if (!/[LW#]/i.test(token)) continue;
    if (!isDayField) fail(label, `"${token}": L, W and # are only allowed in day-of-month or day-of-week`);
    if (spec.name === FIELDS.dayOfMonth.name && token.includes('#')) fail(label, `"${token}": # is only allowed in day-of-week`);
    if (spec.name === FIELDS.dayOfWeek.name && /W/i.test(token)) fail(label, `"${token}": W is only allowed in day-of-month`);
    fail(label, `"${token}": L, W and # must make up the whole field (e.g. L, LW, 15W, 6L, 3#2), not part of a list, range or step`);
  }
}

function parseRange(base: string, spec: FieldSpec, fail: Fail): [number, number] {
  const label = fieldLabel(spec);
  const [from, to, ...extra] = base.split('-');
  if (from === undefined || to === undefined || from === '' || to === '' || extra.length > 0) {
    fail(label, `"${base}" is not a range like 1-5`);
  }
  const start = parseValue(from, spec, fail);
  const end = parseValue(to, spec, fail);
  if (start > end) fail(label, `range ${base} runs backwards; wrap-around ranges are not supported`);
  return [start, end];
}

function parseValue(token: string, spec: FieldSpec, fail: Fail): number {
  const label = fieldLabel(spec);
  if (/^\d+$/.test(token)) {
    const value = Number(token);
    if (value < spec.min || value > spec.max) fail(label, `${token} is out of range ${spec.min}-${spec.max}`);
    return value;
  }
  const index = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  if (index >= 0) return spec.min + index;
  const names = spec.names === undefined ? '' : ` or name (${spec.names[0]}-${spec.names[spec.names.length - 1]})`;
  return fail(label, `"${token}" is not a number${names}`);
}

function parseStep(step: string, item: string, spec: FieldSpec, fail: Fail): number {
  const largest = spec.max - spec.min;
  const value = /^\d+$/.test(step) ? Number(step) : Number.NaN;
  if (!(value >= 1 && value <= largest)) {
    fail(fieldLabel(spec), `step "${step}" in "${item}" must be a whole number from 1 to ${largest}`);
  }
  return value;
}

/** AWS: exactly one of day-of-month and day-of-week is `?`; the other decides the days. */
function parseDayRule(dayOfMonth: string, dayOfWeek: string, fail: Fail): DayRule {
  const label = 'day-of-month and day-of-week fields';
  const monthAny = dayOfMonth === '?';
  const weekAny = dayOfWeek === '?';
  if (monthAny && weekAny) fail(label, 'both are ?; put ? in exactly one of them');
  if (!monthAny && !weekAny) {
    fail(label, `both are specified ("${dayOfMonth}" and "${dayOfWeek}"); one of them must be ?`);
  }
  return monthAny ? parseDayOfWeek(dayOfWeek, fail) : parseDayOfMonth(dayOfMonth, fail);
}

function parseDayOfMonth(text: string, fail: Fail): DayRule {
  const spec = FIELDS.dayOfMonth;
  const special = text.toUpperCase();
  if (special === 'L') return { kind: 'lastDayOfMonth' };
  if (special === 'LW') return { kind: 'lastWeekdayOfMonth' };
  if (/^L-\d+$/.test(special)) fail(fieldLabel(spec), `"${text}" (an offset from the last day) is not supported`);
  const nearest = /^(\d+)W$/.exec(special);
  if (nearest?.[1] !== undefined) return { kind: 'nearestWeekday', day: parseValue(nearest[1], spec, fail) };
  return { kind: 'daysOfMonth', days: parseList(text, spec, fail) };
}

function parseDayOfWeek(text: string, fail: Fail): DayRule {
  const spec = FIELDS.dayOfWeek;
  const special = text.toUpperCase();
  // AWS's cron table allows , - * ? L # in day-of-week, and no / (unlike day-of-month and the time fields):
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html
  if (text.includes('/')) fail(fieldLabel(spec), `"${text}": / (increments) is not allowed in day-of-week; list the days instead (e.g. MON,WED,FRI)`);
  // `L` alone is the last day of the week: Saturday.
  if (special === 'L') return { kind: 'daysOfWeek', days: [7] };
  const last = /^([A-Z]{3}|\d+)L$/.exec(special);
  if (last?.[1] !== undefined) return { kind: 'lastDayOfWeekInMonth', weekday: parseValue(last[1], spec, fail) };
  const nth = /^([A-Z]{3}|\d+)#(\d*)$/.exec(special);
  if (nth?.[1] !== undefined) {
    const weekday = parseValue(nth[1], spec, fail);
    const which = nth[2] ?? '';
    if (!/^[1-5]$/.test(which)) fail(fieldLabel(spec), `"${text}": the week number after # must be 1-5, got "${which}"`);
    return { kind: 'nthDayOfWeekInMonth', weekday, nth: Number(which) };
  }
  return { kind: 'daysOfWeek', days: parseList(text, spec, fail) };
}

function parseRate(source: string, body: string, field: string): RateSchedule {
  const fail = (reason: string): never => {
    throw new InvalidInput(field, `rate expression "${source}": ${reason}`);
  };
  const match = /^(\S+)\s+(\S+)$/.exec(body.trim());
  const text = match?.[1];
  const unit = match?.[2];
  if (text === undefined || unit === undefined) return fail('expected "rate(value unit)", e.g. rate(6 hours)');
  if (!/^[1-9]\d*$/.test(text)) fail(`value "${text}" must be a positive whole number`);
  if (!Object.hasOwn(RATE_UNITS, unit)) fail(`unit "${unit}" must be minute, minutes, hour, hours, day or days`);
  const value = Number(text);
  const singular = !unit.endsWith('s');
  if (value === 1 && !singular) fail(`a value of 1 needs the singular unit "${unit.slice(0, -1)}"`);
  if (value > 1 && singular) fail(`a value above 1 needs the plural unit "${unit}s"`);
  const everyMs = value * RATE_UNITS[unit as keyof typeof RATE_UNITS];
  if (!Number.isSafeInteger(everyMs)) fail(`value ${text} is too large`);
  return { kind: 'rate', source, everyMs };
}


// ---------------------------------------------------------------------------------------------
// Occurrences
//
// Daylight saving time, as EventBridge Scheduler documents it ("Daylight savings time on EventBridge
// Scheduler", https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html, and AWS
// re:Post "How can I adjust my Amazon EventBridge schedule for daylight saving?"): "When the time shifts
// forward in Spring, your schedule invocation gets skipped if the cron expression falls on a
// non-existent date and time. When the time shifts back in the Fall, your schedule runs only once and
// doesn't repeat its invocation." So a cron wall time in a spring-forward gap does not fire, and a wall
// time a fall-back repeats fires once, at its first pass. Rates are elapsed time ("24 hours after the
// schedule's last invocation"), untouched by DST.
//
// Taking each existing wall time at its first pass makes wall time → instant strictly increasing, so
// candidates walked in wall-clock order come out in instant order, in every zone.

/** The instant a cron wall time fires in the zone: its first pass, or null when a DST gap skips it. */
function firingInstant(wall: WallMinute, timeZone: string): number | null {
  return wallInstants(wall, timeZone)[0] ?? null;
}

/**
 * The first occurrence strictly after `afterMs`. Cron wall times are read in `timeZone` (skipped in a
 * DST gap, once at the first pass of a fall-back); rate occurrences are anchorMs + k × everyMs for any
 * whole k. Null when a cron expression has no later occurrence (its year field is exhausted).
 */
export function nextOccurrence(schedule: ScheduleExpression, timeZone: string, afterMs: number, anchorMs = 0): number | null {
  for (const occurrence of occurrencesAfter(schedule, timeZone, afterMs, anchorMs)) return occurrence;
  return null;
}

/** The last occurrence strictly before `beforeMs`, or null when there is none (a cron before its first year). */
export function previousOccurrence(schedule: ScheduleExpression, timeZone: string, beforeMs: number, anchorMs = 0): number | null {
  checkInstant('beforeMs', beforeMs);
  checkTimeZone(timeZone);
  if (schedule.kind === 'rate') {
    checkInstant('anchorMs', anchorMs);
    let previous = anchorMs + (Math.ceil((beforeMs - anchorMs) / schedule.everyMs) - 1) * schedule.everyMs;
    while (previous >= beforeMs) previous -= schedule.everyMs; // guards float rounding
    return previous;
  }
  // A wall time later than beforeMs's can still fire before it: in a fall-back's second pass, the rest of
  // the repeated hour fired in the first. Start that far ahead on the wall clock.
  const spread = offsetSpreadNear(timeZone, beforeMs);
  for (const candidate of wallCandidatesUpTo(schedule, wallMinuteOf(wallMsAt(beforeMs, timeZone) + spread))) {
    const instant = firingInstant(candidate, timeZone);
    if (instant !== null && instant < beforeMs) return instant;
  }
  return null;
}

/** Occurrences in (fromMs, toMs], ascending; throws InvalidInput when there are more than `limit`. */
export function occurrencesBetween(
  schedule: ScheduleExpression,
  timeZone: string,
  fromMs: number,
  toMs: number,
  anchorMs = 0,
  limit = DEFAULT_LIMIT,
): number[] {
  checkInstant('toMs', toMs);
  if (!Number.isInteger(limit) || limit < 0) throw new InvalidInput('limit', `must be a whole number >= 0, got ${limit}`);
  const occurrences: number[] = [];
  for (const occurrence of occurrencesAfter(schedule, timeZone, fromMs, anchorMs)) {
    if (occurrence > toMs) break;
    if (occurrences.length === limit) {
      throw new InvalidInput('limit', `"${schedule.source}" occurs more than ${limit} times in the requested period`);
    }
    occurrences.push(occurrence);
  }
  return occurrences;
}

/** All occurrences strictly after `afterMs`, ascending and distinct, lazily (arguments are checked at once). */
export function occurrencesAfter(schedule: ScheduleExpression, timeZone: string, afterMs: number, anchorMs = 0): Iterable<number> {
  checkInstant('afterMs', afterMs);
  checkTimeZone(timeZone);
  if (schedule.kind === 'cron') return cronOccurrencesAfter(schedule, timeZone, afterMs);
  checkInstant('anchorMs', anchorMs);
  return rateOccurrencesAfter(schedule.everyMs, afterMs, anchorMs);
}

/** A schedule in a zone as a source of runs: those after an instant, and the one before an instant. */
export function scheduleRuns(
  schedule: ScheduleExpression,
  timeZone: string,
  anchorMs = 0,
): { after(instant: number): Iterable<number>; previous(instant: number): number | null } {
  return {
    after: (instant) => occurrencesAfter(schedule, timeZone, instant, anchorMs),
    previous: (instant) => previousOccurrence(schedule, timeZone, instant, anchorMs),
  };
}

/**
 * Why a schedule never fires after `nowMs` in the zone, or null when it does. Exact, not a guess over
 * some years: a rate always fires; a cron's year field ends in 2199, so the walk over the wall times it
 * names is finite (it also catches an expression whose every remaining time falls in a DST gap).
 */
export function neverFiresReason(schedule: ScheduleExpression, timeZone: string, nowMs: number): string | null {
  if (schedule.kind === 'rate' || nextOccurrence(schedule, timeZone, nowMs) !== null) return null;
  const lastYear = schedule.years.at(-1) ?? 0;
  const now = wallTime(nowMs, timeZone);
  const why =
    lastYear < now.year
      ? `its year field ends in ${lastYear}`
      : 'every wall time it names has passed or falls in a daylight-saving gap, which EventBridge Scheduler skips';
  return `"${schedule.source}" never fires after ${formatWall(nowMs, timeZone)} ${timeZone}: ${why}`;
}

/**
 * The nominal interval between occurrences: a rate's period; for cron, the smallest gap between
 * consecutive occurrences starting in the 366 days after `fromMs` (a skipped or repeated wall time
 * never shortens one: daily stays 24 h across DST). Infinity when a cron has fewer than two left.
 */
export function typicalInterval(schedule: ScheduleExpression, timeZone: string, fromMs: number): number {
  if (schedule.kind === 'rate') {
    checkTimeZone(timeZone);
    return schedule.everyMs;
  }
  const windowEnd = fromMs + TYPICAL_WINDOW_MS;
  let smallest = Number.POSITIVE_INFINITY;
  let previous: number | null = null;
  for (const occurrence of occurrencesAfter(schedule, timeZone, fromMs, 0)) {
    if (previous !== null) {
      smallest = Math.min(smallest, occurrence - previous);
      // Occurrences fall on whole minutes, so no gap can be shorter than one.
      if (smallest <= MS.minute || occurrence > windowEnd) break;
    }
    previous = occurrence;
  }
  return smallest;
}

function checkInstant(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new InvalidInput(name, `must be a finite epoch-millisecond instant, got ${value}`);
}

function checkTimeZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone)) throw new InvalidInput('timeZone', `unknown IANA time zone "${timeZone}"`);
}

function* rateOccurrencesAfter(everyMs: number, afterMs: number, anchorMs: number): Generator<number> {
  let next = anchorMs + (Math.floor((afterMs - anchorMs) / everyMs) + 1) * everyMs;
  while (next <= afterMs) next += everyMs; // guards float rounding
  for (;;) {
    yield next;
    next += everyMs;
  }
}

interface WallMinute {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

/**
 * Candidates from afterMs's wall minute on, each at its firing instant. None before that minute can fire
 * after afterMs (the map is increasing); a few after it can fire before (afterMs in a fall-back's second
 * pass, they fired in the first), and are passed over.
 */
function* cronOccurrencesAfter(cron: CronSchedule, timeZone: string, afterMs: number): Generator<number> {
  for (const candidate of wallCandidatesFrom(cron, wallMinuteOf(wallMsAt(afterMs, timeZone)))) {
    const instant = firingInstant(candidate, timeZone);
    if (instant !== null && instant > afterMs) yield instant;
  }
}

/** Largest minus smallest UTC offset of the zone a day either side of an instant (0 when steady). */
function offsetSpreadNear(timeZone: string, instant: number): number {
  const offsets = [offsetAt(instant - MS.day, timeZone), offsetAt(instant, timeZone), offsetAt(instant + MS.day, timeZone)];
  return Math.max(...offsets) - Math.min(...offsets);
}

/** The zone's wall clock at an instant, truncated to the minute, as UTC-based ms. */
function wallMsAt(instant: number, timeZone: string): number {
  const wall = wallTime(instant, timeZone);
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
}

function wallMinuteOf(wallMs: number): WallMinute {
  const date = new Date(wallMs);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
  };
}

/** Matching wall times at or after `start`, in wall-clock order: by day, then the sorted hour and minute lists. */
function* wallCandidatesFrom(cron: CronSchedule, start: WallMinute): Generator<WallMinute> {
  for (let yi = lastAtMost(cron.years, start.year - 1) + 1; yi < cron.years.length; yi += 1) {
    const year = cron.years[yi] as number;
    const inStartYear = year === start.year;
    for (let mi = inStartYear ? lastAtMost(cron.months, start.month - 1) + 1 : 0; mi < cron.months.length; mi += 1) {
      const month = cron.months[mi] as number;
      const inStartMonth = inStartYear && month === start.month;
      const days = matchingDays(cron.day, year, month);
      for (let di = inStartMonth ? lastAtMost(days, start.day - 1) + 1 : 0; di < days.length; di += 1) {
        const day = days[di] as number;
        const onStartDay = inStartMonth && day === start.day;
        for (let hi = onStartDay ? lastAtMost(cron.hours, start.hour - 1) + 1 : 0; hi < cron.hours.length; hi += 1) {
          const hour = cron.hours[hi] as number;
          const inStartHour = onStartDay && hour === start.hour;
          for (let ni = inStartHour ? lastAtMost(cron.minutes, start.minute - 1) + 1 : 0; ni < cron.minutes.length; ni += 1) {
            yield { year, month, day, hour, minute: cron.minutes[ni] as number };
          }
        }
      }
    }
  }
}

/** Matching wall times at or before `end`, latest first: wallCandidatesFrom walked backwards. */
function* wallCandidatesUpTo(cron: CronSchedule, end: WallMinute): Generator<WallMinute> {
  for (let yi = lastAtMost(cron.years, end.year); yi >= 0; yi -= 1) {
    const year = cron.years[yi] as number;
    const inEndYear = year === end.year;
    for (let mi = inEndYear ? lastAtMost(cron.months, end.month) : cron.months.length - 1; mi >= 0; mi -= 1) {
      const month = cron.months[mi] as number;
      const inEndMonth = inEndYear && month === end.month;
      const days = matchingDays(cron.day, year, month);
      for (let di = inEndMonth ? lastAtMost(days, end.day) : days.length - 1; di >= 0; di -= 1) {
        const day = days[di] as number;
        const onEndDay = inEndMonth && day === end.day;
        for (let hi = onEndDay ? lastAtMost(cron.hours, end.hour) : cron.hours.length - 1; hi >= 0; hi -= 1) {
          const hour = cron.hours[hi] as number;
          const inEndHour = onEndDay && hour === end.hour;
          for (let ni = inEndHour ? lastAtMost(cron.minutes, end.minute) : cron.minutes.length - 1; ni >= 0; ni -= 1) {
            yield { year, month, day, hour, minute: cron.minutes[ni] as number };
          }
        }
      }
    }
  }
}

/** The index of the last value at most `limit` in an ascending list, or -1. */
function lastAtMost(values: readonly number[], limit: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((values[mid] as number) <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The days of one month a day rule selects, ascending. */
function matchingDays(rule: DayRule, year: number, month: number): number[] {
  const last = daysInMonth(year, month);
  switch (rule.kind) {
    case 'daysOfMonth':
      return rule.days.filter((day) => day <= last);
    case 'lastDayOfMonth':
      return [last];
    case 'lastWeekdayOfMonth':
      return [nearestWeekday(year, month, last)];
    case 'nearestWeekday':
      return rule.day > last ? [] : [nearestWeekday(year, month, rule.day)];
    case 'daysOfWeek': {
      const firstWeekday = dayOfWeek(year, month, 1) + 1;
      const days: number[] = [];
      for (let day = 1; day <= last; day++) {
        if (rule.days.includes(((firstWeekday + day - 2) % 7) + 1)) days.push(day);
      }
      return days;
    }
    case 'lastDayOfWeekInMonth': {
      const lastWeekday = dayOfWeek(year, month, last) + 1;
      return [last - ((lastWeekday - rule.weekday + 7) % 7)];
    }
    case 'nthDayOfWeekInMonth': {
      const firstWeekday = dayOfWeek(year, month, 1) + 1;
      const day = 1 + ((rule.weekday - firstWeekday + 7) % 7) + 7 * (rule.nth - 1);
      return day <= last ? [day] : [];
    }
  }
}

/** The Monday–Friday nearest a day, staying inside its month (Saturday the 1st → Monday the 3rd). */
function nearestWeekday(year: number, month: number, day: number): number {
  const weekday = dayOfWeek(year, month, day);
  if (weekday === 6) return day === 1 ? 3 : day - 1;
  if (weekday === 0) return day === daysInMonth(year, month) ? day - 2 : day + 1;
  return day;
}
