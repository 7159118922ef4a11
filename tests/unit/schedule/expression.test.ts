import { describe, it, expect } from 'vitest';
import { InvalidInput } from '../../../shared/errors.js';
import {
  neverFiresReason,
  nextOccurrence,
  occurrencesBetween,
  parseScheduleExpression,
  previousOccurrence,
  typicalInterval,
  type CronSchedule,
  type ScheduleExpression,
} from '../../../shared/schedule/expression.js';
import { dayOfWeek, wallInstants, wallTime } from '../../../shared/time/zone.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const at = (iso: string): number => Date.parse(iso);
const iso = (instant: number | null): string | null => (instant === null ? null : new Date(instant).toISOString());
const parse = (expression: string): ScheduleExpression => parseScheduleExpression(expression);

/** The error a parse throws, checked to be an InvalidInput. */
function rejection(expression: string, field?: string): InvalidInput {
  try {
    parseScheduleExpression(expression, field);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInput);
    return error as InvalidInput;
  }
  throw new Error(`expected "${expression}" to be rejected`);
}

/**
 * Reference: every wall minute near the window that matches, at the first instant the clock shows it
 * (none in a DST gap: EventBridge Scheduler skips it; the first pass of a fall-back), sorted, deduped.
 */
function minuteByMinute(cron: CronSchedule, timeZone: string, fromMs: number, toMs: number): number[] {
  const start = wallTime(fromMs, timeZone);
  const end = wallTime(toMs, timeZone);
  const found = new Set<number>();
  const last = Date.UTC(end.year, end.month - 1, end.day) + 3 * DAY;
  for (let wallMs = Date.UTC(start.year, start.month - 1, start.day) - 3 * DAY; wallMs < last; wallMs += MINUTE) {
    const d = new Date(wallMs);
    const wall = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
    const rule = cron.day;
    const dayMatches =
      (rule.kind === 'daysOfMonth' && rule.days.includes(wall.day)) ||
      (rule.kind === 'daysOfWeek' && rule.days.includes(dayOfWeek(wall.year, wall.month, wall.day) + 1));
    if (!dayMatches || !cron.minutes.includes(wall.minute) || !cron.hours.includes(wall.hour)) continue;
    if (!cron.months.includes(wall.month) || !cron.years.includes(wall.year)) continue;
    const instant = wallInstants(wall, timeZone)[0];
    if (instant !== undefined && instant > fromMs && instant <= toMs) found.add(instant);
  }
  return [...found].sort((a, b) => a - b);
}

describe('parseScheduleExpression', () => {
  it.each([
    ['cron(0 2 * * ? *)', { minutes: [0], hours: [2], months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }],
    ['cron(0/15 * * * ? *)', { minutes: [0, 15, 30, 45] }],
    ['cron(5-20/5 */6 * * ? *)', { minutes: [5, 10, 15, 20], hours: [0, 6, 12, 18] }],
    ['cron(0 8 1 JAN,jul ? 2025-2030/2)', { months: [1, 7], years: [2025, 2027, 2029] }],
    ['cron(0 18 ? * MON-FRI *)', { day: { kind: 'daysOfWeek', days: [2, 3, 4, 5, 6] } }],
    ['cron(0 0 ? * L *)', { day: { kind: 'daysOfWeek', days: [7] } }],
    ['cron(0 0 L * ? *)', { day: { kind: 'lastDayOfMonth' } }],
    ['cron(0 0 LW * ? *)', { day: { kind: 'lastWeekdayOfMonth' } }],
    ['cron(0 0 15W * ? *)', { day: { kind: 'nearestWeekday', day: 15 } }],
    ['cron(0 0 ? * 5L *)', { day: { kind: 'lastDayOfWeekInMonth', weekday: 5 } }],
    ['cron(0 0 ? * FRIL *)', { day: { kind: 'lastDayOfWeekInMonth', weekday: 6 } }],
    ['cron(0 0 ? * 3#2 *)', { day: { kind: 'nthDayOfWeekInMonth', weekday: 3, nth: 2 } }],
    ['cron(0 0 ? * SAT#1 *)', { day: { kind: 'nthDayOfWeekInMonth', weekday: 7, nth: 1 } }],
  ])('accepts %s', (expression, expected) => {
    expect(parse(expression)).toMatchObject({ kind: 'cron', source: expression, ...expected });
  });

  it.each([
    ['rate(1 minute)', MINUTE],
    ['rate(5 minutes)', 5 * MINUTE],
    ['rate(1 hour)', HOUR],
    ['rate(6 hours)', 6 * HOUR],
    ['rate(1 day)', DAY],
    ['rate(7 days)', 7 * DAY],
  ])('accepts %s as a period of %i ms', (expression, everyMs) => {
    expect(parse(expression)).toEqual({ kind: 'rate', source: expression, everyMs });
  });

  it('trims surrounding whitespace and records the trimmed source', () => {
    expect(parse('  cron(0 2 * * ? *) ').source).toBe('cron(0 2 * * ? *)');
  });

  it.each([
    ['empty text', '', 'expected "cron('],
    ['garbage', 'every day at 2', 'expected "cron('],
    ['trailing text', 'cron(0 0 * * ? *) x', 'expected "cron('],
    ['a one-time at() schedule', 'at(2025-01-01T00:00:00)', 'one-time at(...) schedules are not supported'],
    ['five cron fields', 'cron(0 2 * * ?)', 'cron expression needs 6 fields (minutes hours day-of-month month day-of-week year), got 5'],
    ['seven cron fields', 'cron(0 0 2 * * ? *)', 'needs 6 fields'],
    ['minutes out of range', 'cron(60 * * * ? *)', 'cron minutes field: 60 is out of range 0-59'],
    ['hours out of range', 'cron(0 24 * * ? *)', 'cron hours field: 24 is out of range 0-23'],
    ['day-of-month 32', 'cron(0 0 32 * ? *)', 'cron day-of-month field: 32 is out of range 1-31'],
    ['day-of-month 0', 'cron(0 0 0 * ? *)', 'cron day-of-month field: 0 is out of range 1-31'],
    ['month 13', 'cron(0 0 * 13 ? *)', 'cron month field: 13 is out of range 1-12'],
    ['an unknown month name', 'cron(0 0 * FOO ? *)', 'cron month field: "FOO" is not a number or name (JAN-DEC)'],
    ['day-of-week 0', 'cron(0 0 ? * 0 *)', 'cron day-of-week field: 0 is out of range 1-7'],
    ['day-of-week 8', 'cron(0 0 ? * 8 *)', 'cron day-of-week field: 8 is out of range 1-7'],
    ['an unknown day name', 'cron(0 0 ? * FUN *)', 'cron day-of-week field: "FUN" is not a number or name (SUN-SAT)'],
    ['year 1969', 'cron(0 0 * * ? 1969)', 'cron year field: 1969 is out of range 1970-2199'],
    ['year 2200', 'cron(0 0 * * ? 2200)', 'cron year field: 2200 is out of range 1970-2199'],
    ['* in both day fields', 'cron(0 0 * * * *)', 'cron day-of-month and day-of-week fields: both are specified'],
    ['values in both day fields', 'cron(0 0 1 * MON *)', 'cron day-of-month and day-of-week fields: both are specified ("1" and "MON")'],
    ['? in both day fields', 'cron(0 0 ? * ? *)', 'cron day-of-month and day-of-week fields: both are ?'],
    ['? in minutes', 'cron(? 0 * * ? *)', 'cron minutes field: ? is only allowed in day-of-month or day-of-week'],
    ['? in month', 'cron(0 0 * ? ? *)', 'cron month field: ? is only allowed in day-of-month or day-of-week'],
    ['? inside a list', 'cron(0 0 ?,1 * ? *)', 'cron day-of-month field: ? must stand alone'],
    ['step 0', 'cron(*/0 * * * ? *)', 'cron minutes field: step "0" in "*/0" must be a whole number from 1 to 59'],
    ['a step past the range', 'cron(0 */24 * * ? *)', 'cron hours field: step "24" in "*/24" must be a whole number from 1 to 23'],
    ['a non-numeric step', 'cron(*/x * * * ? *)', 'cron minutes field: step "x"'],
    ['two steps', 'cron(1/2/3 * * * ? *)', 'cron minutes field: "1/2/3" has more than one /'],
    ['a step without a start', 'cron(/5 * * * ? *)', 'cron minutes field: "/5" needs a value, range or * before /'],
    ['a backwards range', 'cron(0 22-2 * * ? *)', 'cron hours field: range 22-2 runs backwards'],
    ['a malformed range', 'cron(1-2-3 * * * ? *)', 'cron minutes field: "1-2-3" is not a range like 1-5'],
    ['an empty list item', 'cron(1,,2 * * * ? *)', 'cron minutes field: empty item in the comma list'],
    ['L in minutes', 'cron(L 0 * * ? *)', 'cron minutes field: "L": L, W and # are only allowed in day-of-month or day-of-week'],
    ['W in hours', 'cron(0 5W * * ? *)', 'cron hours field: "5W": L, W and # are only allowed'],
    ['an L offset', 'cron(0 0 L-3 * ? *)', 'cron day-of-month field: "L-3" (an offset from the last day) is not supported'],
    ['L inside a day-of-month list', 'cron(0 0 1,L * ? *)', 'cron day-of-month field: "L": L, W and # must make up the whole field'],
    ['W on a range', 'cron(0 0 1-15W * ? *)', 'cron day-of-month field: "15W": L, W and # must make up the whole field'],
    ['W past day 31', 'cron(0 0 32W * ? *)', 'cron day-of-month field: 32 is out of range 1-31'],
    ['# in day-of-month', 'cron(0 0 1#2 * ? *)', 'cron day-of-month field: "1#2": # is only allowed in day-of-week'],
    ['W in day-of-week', 'cron(0 0 ? * 5W *)', 'cron day-of-week field: "5W": W is only allowed in day-of-month'],
    ['LW in day-of-week', 'cron(0 0 ? * LW *)', 'cron day-of-week field: "LW": W is only allowed in day-of-month'],
    ['nL for a day past 7', 'cron(0 0 ? * 9L *)', 'cron day-of-week field: 9 is out of range 1-7'],
    ['nL inside a list', 'cron(0 0 ? * 2,6L *)', 'cron day-of-week field: "6L": L, W and # must make up the whole field'],
    ['# week 6', 'cron(0 0 ? * 3#6 *)', 'cron day-of-week field: "3#6": the week number after # must be 1-5, got "6"'],
    ['# week 0', 'cron(0 0 ? * 3#0 *)', 'the week number after # must be 1-5, got "0"'],
    ['# for a day past 7', 'cron(0 0 ? * 8#1 *)', 'cron day-of-week field: 8 is out of range 1-7'],
    ['two # items', 'cron(0 0 ? * 1#1,2#2 *)', 'cron day-of-week field: "1#1": L, W and # must make up the whole field'],
    // AWS's cron table: day-of-week allows , - * ? L # and no /.
    ['a step in day-of-week', 'cron(0 0 ? * 1/2 *)', 'cron day-of-week field: "1/2": / (increments) is not allowed in day-of-week'],
    ['*/n in day-of-week', 'cron(0 0 ? * */2 *)', 'cron day-of-week field: "*/2": / (increments) is not allowed'],
    ['a stepped day range', 'cron(0 0 ? * MON-FRI/2 *)', 'cron day-of-week field: "MON-FRI/2": / (increments) is not allowed'],
    // Never fires, whatever the clock: no date has these fields.
    ['31 February', 'cron(0 2 31 2 ? *)', 'cron day-of-month, month and year fields: never fires: no date is day "31" of month "2" in year "*"'],
    ['30 February', 'cron(0 0 30 FEB ? *)', 'never fires'],
    ['31 in 30-day months only', 'cron(0 0 31 APR,JUN,SEP,NOV ? *)', 'never fires'],
    ['29 February in years that are not leap years', 'cron(0 0 29 FEB ? 2025-2027)', 'never fires'],
    ['a fifth Monday in Februaries that have none', 'cron(0 0 ? FEB 2#5 2026-2027)', 'cron day-of-week, month and year fields: never fires'],
    ['30W in February', 'cron(0 0 30W FEB ? *)', 'never fires'],
    ['rate 0', 'rate(0 hours)', 'rate expression "rate(0 hours)": value "0" must be a positive whole number'],
    ['a negative rate', 'rate(-1 hours)', 'value "-1" must be a positive whole number'],
    ['a fractional rate', 'rate(1.5 hours)', 'value "1.5" must be a positive whole number'],
    ['a plural unit with 1', 'rate(1 hours)', 'a value of 1 needs the singular unit "hour"'],
    ['a singular unit above 1', 'rate(5 hour)', 'a value above 1 needs the plural unit "hours"'],
    ['an unknown unit', 'rate(5 weeks)', 'unit "weeks" must be minute, minutes, hour, hours, day or days'],
    ['seconds', 'rate(30 seconds)', 'unit "seconds" must be'],
    ['a missing unit', 'rate(5)', 'expected "rate(value unit)"'],
    ['an absurd rate', 'rate(99999999999999999 days)', 'is too large'],
  ])('rejects %s', (_name, expression, reason) => {
    const error = rejection(expression);
    expect(error.field).toBe('schedule');
    expect(error.message.startsWith('schedule: ')).toBe(true);
    expect(error.message).toContain(reason);
  });

  it('names the caller’s field path in the error', () => {
    const error = rejection('cron(0 24 * * ? *)', 'databases[0].schedule');
    expect(error.field).toBe('databases[0].schedule');
    expect(error.message).toBe('databases[0].schedule: cron hours field: 24 is out of range 0-23');
  });

  it('leaves the message unprefixed for an empty field path', () => {
    expect(rejection('rate(5 hour)', '').message).toBe('rate expression "rate(5 hour)": a value above 1 needs the plural unit "hours"');
  });
});

describe('nextOccurrence for cron', () => {
  it.each([
    ['daily 02:00 in Tokyo is 17:00 UTC the day before', 'cron(0 2 * * ? *)', 'Asia/Tokyo', '2025-01-01T00:00:00Z', '2025-01-01T17:00:00.000Z'],
    ['an occurrence exactly at afterMs is not repeated', 'cron(0 2 * * ? *)', 'Asia/Tokyo', '2025-01-01T17:00:00Z', '2025-01-02T17:00:00.000Z'],
    ['a minute still in progress is over', 'cron(0 2 * * ? *)', 'UTC', '2025-01-01T02:00:30Z', '2025-01-02T02:00:00.000Z'],
    ['weekly on Sunday from a Wednesday', 'cron(0 3 ? * SUN *)', 'UTC', '2025-01-01T00:00:00Z', '2025-01-05T03:00:00.000Z'],
    ['weekdays skip the weekend', 'cron(0 18 ? * MON-FRI *)', 'UTC', '2025-01-03T18:00:00Z', '2025-01-06T18:00:00.000Z'],
    ['day 31 skips 30-day months', 'cron(0 0 31 * ? *)', 'UTC', '2025-04-01T00:00:00Z', '2025-05-31T00:00:00.000Z'],
    ['29 February waits for a leap year', 'cron(0 0 29 FEB ? *)', 'UTC', '2025-01-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['a year-bounded cron before its year', 'cron(0 12 1 1 ? 2025)', 'UTC', '2024-06-01T00:00:00Z', '2025-01-01T12:00:00.000Z'],
    ['a year-bounded cron after its last run', 'cron(0 12 1 1 ? 2025)', 'UTC', '2025-01-01T12:00:00Z', null],
    ['a year range that has ended', 'cron(0 0 * * ? 2020-2024)', 'UTC', '2024-12-31T00:00:00Z', null],
  ])('%s', (_name, expression, timeZone, after, expected) => {
    expect(iso(nextOccurrence(parse(expression), timeZone, at(after)))).toBe(expected);
  });
});

describe('occurrencesBetween for cron', () => {
  const dates = (expression: string, from: string, to: string, timeZone = 'UTC'): string[] =>
    occurrencesBetween(parse(expression), timeZone, at(from), at(to)).map((instant) => new Date(instant).toISOString());
  const days = (expression: string, from: string, to: string): string[] => dates(expression, from, to).map((d) => d.slice(0, 10));

  it('fires four times a day for cron(0 */6 * * ? *), excluding from and including to', () => {
    expect(dates('cron(0 */6 * * ? *)', '2025-03-01T00:00:00Z', '2025-03-02T00:00:00Z')).toEqual([
      '2025-03-01T06:00:00.000Z',
      '2025-03-01T12:00:00.000Z',
      '2025-03-01T18:00:00.000Z',
      '2025-03-02T00:00:00.000Z',
    ]);
  });

  it('fires weekly on Sundays for cron(0 3 ? * SUN *)', () => {
    expect(dates('cron(0 3 ? * SUN *)', '2025-01-01T00:00:00Z', '2025-01-20T00:00:00Z')).toEqual([
      '2025-01-05T03:00:00.000Z',
      '2025-01-12T03:00:00.000Z',
      '2025-01-19T03:00:00.000Z',
    ]);
  });

  it('fires at local midnight on the first of each month, following Berlin’s DST', () => {
    expect(dates('cron(0 0 1 * ? *)', '2025-01-15T00:00:00Z', '2025-05-15T00:00:00Z', 'Europe/Berlin')).toEqual([
      '2025-01-31T23:00:00.000Z',
      '2025-02-28T23:00:00.000Z',
      '2025-03-31T22:00:00.000Z',
      '2025-04-30T22:00:00.000Z',
    ]);
  });

  const from = '2025-01-01T00:00:00Z';
  const to = '2025-12-31T23:59:00Z';
  it.each([
    ['L: the last day of each month', 'cron(0 0 L 1-4 ? *)', ['2025-01-31', '2025-02-28', '2025-03-31', '2025-04-30']],
    ['LW: the last weekday (May 31 and Aug 31 2025 fall on a weekend)', 'cron(0 0 LW 5,8 ? *)', ['2025-05-30', '2025-08-29']],
    ['15W: Saturday 15 Feb → Friday 14, Sunday 15 Jun → Monday 16', 'cron(0 0 15W 1,2,6 ? *)', ['2025-01-15', '2025-02-14', '2025-06-16']],
    ['1W: Saturday 1 Feb → Monday 3, never the month before', 'cron(0 0 1W 2,3 ? *)', ['2025-02-03', '2025-03-03']],
    ['31W: Sunday 31 Aug → Friday 29; no run in a 30-day month', 'cron(0 0 31W 8,9,10 ? *)', ['2025-08-29', '2025-10-31']],
    ['5L: the last Thursday', 'cron(0 0 ? 1-3 5L *)', ['2025-01-30', '2025-02-27', '2025-03-27']],
    ['FRIL: the last Friday', 'cron(0 0 ? 1,2 FRIL *)', ['2025-01-31', '2025-02-28']],
    ['3#2: the second Tuesday', 'cron(0 0 ? 1-3 3#2 *)', ['2025-01-14', '2025-02-11', '2025-03-11']],
    ['2#5: a fifth Monday, only in months that have one', 'cron(0 0 ? * 2#5 *)', ['2025-03-31', '2025-06-30', '2025-09-29', '2025-12-29']],
    ['L alone in day-of-week: every Saturday', 'cron(0 0 ? 1 L *)', ['2025-01-04', '2025-01-11', '2025-01-18', '2025-01-25']],
  ])('%s', (_name, expression, expected) => {
    expect(days(expression, from, to)).toEqual(expected);
  });
});

describe('cron across DST changes', () => {
  const dates = (expression: string, timeZone: string, from: string, to: string): string[] =>
    occurrencesBetween(parse(expression), timeZone, at(from), at(to)).map((instant) => new Date(instant).toISOString());

  it.each([
    [
      'a daily 09:00 in New York moves from 14:00 to 13:00 UTC in spring',
      'cron(0 9 * * ? *)',
      '2025-03-08T00:00:00Z',
      '2025-03-11T00:00:00Z',
      ['2025-03-08T14:00:00.000Z', '2025-03-09T13:00:00.000Z', '2025-03-10T13:00:00.000Z'],
    ],
    [
      'a daily 02:30 that spring-forward skips does not run that day (not 01:30 EST, not 03:30 EDT)',
      'cron(30 2 * * ? *)',
      '2025-03-08T00:00:00Z',
      '2025-03-11T00:00:00Z',
      ['2025-03-08T07:30:00.000Z', '2025-03-10T06:30:00.000Z'],
    ],
    [
      'a daily 01:30 repeated by fall-back runs once, at the first 01:30',
      'cron(30 1 * * ? *)',
      '2025-11-01T00:00:00Z',
      '2025-11-04T00:00:00Z',
      ['2025-11-01T05:30:00.000Z', '2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z'],
    ],
    [
      'an hourly schedule stays strictly increasing when 02:30 maps onto 03:30',
      'cron(30 * * * ? *)',
      '2025-03-09T04:00:00Z',
      '2025-03-09T09:00:00Z',
      ['2025-03-09T04:30:00.000Z', '2025-03-09T05:30:00.000Z', '2025-03-09T06:30:00.000Z', '2025-03-09T07:30:00.000Z', '2025-03-09T08:30:00.000Z'],
    ],
  ])('%s', (_name, expression, from, to, expected) => {
    expect(dates(expression, 'America/New_York', from, to)).toEqual(expected);
  });

  it.each([
    ['America/New_York', '2025-03-07T00:00:00Z', '2025-03-12T00:00:00Z'],
    ['America/New_York', '2025-10-31T00:00:00Z', '2025-11-05T00:00:00Z'],
    ['Australia/Lord_Howe', '2025-10-03T00:00:00Z', '2025-10-07T00:00:00Z'],
    ['America/Santiago', '2025-09-04T00:00:00Z', '2025-09-09T00:00:00Z'],
    ['Pacific/Apia', '2011-12-27T00:00:00Z', '2012-01-03T00:00:00Z'],
  ])('matches a minute-by-minute reference in %s from %s', (timeZone, from, to) => {
    for (const expression of ['cron(*/10 * * * ? *)', 'cron(0,30 0-3 * * ? *)', 'cron(45 23 ? * * *)', 'cron(7 * ? * 1,4,7 *)']) {
      const cron = parse(expression) as CronSchedule;
      const expected = minuteByMinute(cron, timeZone, at(from), at(to));
      const actual = occurrencesBetween(cron, timeZone, at(from), at(to));
      expect(actual, expression).toEqual(expected);
      // Asked one at a time from arbitrary points, the answer is the reference's next occurrence.
      for (let after = at(from); after < expected.at(-1)!; after += 37 * MINUTE + 11_000) {
        expect(nextOccurrence(cron, timeZone, after), `${expression} after ${iso(after)}`).toBe(expected.find((o) => o > after));
      }
    }
  });

  it('walks eight years of hourly occurrences, strictly increasing', () => {
    const schedule = parse('cron(0 * * * ? *)');
    const start = at('2025-01-01T00:00:00Z');
    const all = occurrencesBetween(schedule, 'Europe/Berlin', start, start + 8 * 365 * DAY);
    expect(all.length).toBeGreaterThan(8 * 365 * 24 - 20);
    // Hourly, except the hour fall-back repeats: its second 02:00 is not a new wall time.
    const gaps = new Set(all.slice(1).map((instant, i) => instant - all[i]!));
    expect([...gaps].sort((a, b) => a - b)).toEqual([HOUR, 2 * HOUR]);
    const oneAtATime: number[] = [];
    for (let previous = start; oneAtATime.length < 2000; ) {
      previous = nextOccurrence(schedule, 'Europe/Berlin', previous)!;
      oneAtATime.push(previous);
    }
    expect(oneAtATime).toEqual(all.slice(0, 2000));
  });
});

describe('DST as EventBridge Scheduler documents it, the same whatever the zone’s sign', () => {
  const dates = (expression: string, timeZone: string, from: string, to: string): string[] =>
    occurrencesBetween(parse(expression), timeZone, at(from), at(to)).map((instant) => new Date(instant).toISOString());

  it.each([
    // Berlin springs forward 2025-03-30 at 02:00 CET (01:00Z) to 03:00 CEST; New York 2025-03-09 at 02:00 EST (07:00Z).
    ['Europe/Berlin', '2025-03-29T00:00:00Z', '2025-04-01T00:00:00Z', ['2025-03-29T01:30:00.000Z', '2025-03-31T00:30:00.000Z']],
    ['America/New_York', '2025-03-08T00:00:00Z', '2025-03-11T00:00:00Z', ['2025-03-08T07:30:00.000Z', '2025-03-10T06:30:00.000Z']],
  ])('a daily 02:30 in %s does not run on the spring-forward night', (timeZone, from, to, expected) => {
    expect(dates('cron(30 2 * * ? *)', timeZone, from, to)).toEqual(expected);
  });

  it.each([
    // Berlin falls back 2025-10-26 at 03:00 CEST (01:00Z) to 02:00 CET: 02:30 is 00:30Z, then 01:30Z.
    ['Europe/Berlin', 'cron(30 2 * * ? *)', '2025-10-25T00:00:00Z', '2025-10-28T00:00:00Z', ['2025-10-25T00:30:00.000Z', '2025-10-26T00:30:00.000Z', '2025-10-27T01:30:00.000Z']],
    // New York falls back 2025-11-02 at 02:00 EDT (06:00Z) to 01:00 EST: 01:30 is 05:30Z, then 06:30Z.
    ['America/New_York', 'cron(30 1 * * ? *)', '2025-11-01T00:00:00Z', '2025-11-04T00:00:00Z', ['2025-11-01T05:30:00.000Z', '2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z']],
  ])('a repeated wall time in %s runs once, at its first pass', (timeZone, expression, from, to, expected) => {
    expect(dates(expression, timeZone, from, to)).toEqual(expected);
  });

  it('every minute through Berlin’s fall-back: the repeated hour runs once, then the clock goes on from 03:00 CET', () => {
    const all = dates('cron(* * * * ? *)', 'Europe/Berlin', '2025-10-26T00:58:00Z', '2025-10-26T02:01:00Z');
    // 00:59Z is 02:59 CEST; 01:00Z–01:59Z is the second pass of 02:00–02:59 (skipped); 02:00Z is 03:00 CET.
    expect(all).toEqual(['2025-10-26T00:59:00.000Z', '2025-10-26T02:00:00.000Z', '2025-10-26T02:01:00.000Z']);
  });
});

describe('previousOccurrence', () => {
  it.each([
    ['cron(0 2 * * ? *)', 'Asia/Tokyo', '2025-01-02T17:00:00Z', '2025-01-01T17:00:00.000Z'],
    ['cron(0 2 * * ? *)', 'Asia/Tokyo', '2025-01-02T17:00:00.001Z', '2025-01-02T17:00:00.000Z'],
    ['cron(0 12 1 1 ? 2025)', 'UTC', '2025-01-01T12:00:00Z', null],
    ['cron(0 12 1 1 ? 2025)', 'UTC', '2030-01-01T00:00:00Z', '2025-01-01T12:00:00.000Z'],
    ['cron(30 2 * * ? *)', 'America/New_York', '2025-03-10T00:00:00Z', '2025-03-08T07:30:00.000Z'],
    // 06:10Z is 01:10 EST, in the second pass: 01:50 EDT (05:50Z) came before it.
    ['cron(50 1 * * ? *)', 'America/New_York', '2025-11-02T06:10:00Z', '2025-11-02T05:50:00.000Z'],
    ['rate(6 hours)', 'UTC', '2025-01-01T06:00:00Z', '2025-01-01T00:00:00.000Z'],
    ['rate(6 hours)', 'UTC', '2025-01-01T06:00:00.001Z', '2025-01-01T06:00:00.000Z'],
  ])('%s in %s before %s is %s', (expression, timeZone, before, expected) => {
    expect(iso(previousOccurrence(parse(expression), timeZone, at(before)))).toBe(expected);
  });

  it.each(['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'])('walks back through the occurrences of a year in %s, the mirror of occurrencesBetween', (timeZone) => {
    for (const expression of ['cron(*/20 0-3 * * ? *)', 'cron(30 2 ? * SUN,MON *)', 'cron(0 0 L * ? *)']) {
      const schedule = parse(expression);
      const forward = occurrencesBetween(schedule, timeZone, at('2025-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'));
      const backward: number[] = [];
      for (let before = at('2026-01-01T00:00:00Z') + 1; ; ) {
        const previous = previousOccurrence(schedule, timeZone, before);
        if (previous === null || previous <= at('2025-01-01T00:00:00Z')) break;
        backward.push(previous);
        before = previous;
      }
      expect(backward.reverse(), expression).toEqual(forward);
    }
  });
});

describe('neverFiresReason', () => {
  const now = at('2026-11-25T00:00:00Z');
  it.each([
    ['cron(0 2 * * ? 2020-2024)', 'Asia/Tokyo', 'its year field ends in 2024'],
    ['cron(0 0 1 1 ? 2026)', 'UTC', 'every wall time it names has passed'],
    // The second Sunday of March at 02:30 is inside New York's spring-forward gap every year.
    ['cron(30 2 ? MAR 1#2 *)', 'America/New_York', 'falls in a daylight-saving gap'],
  ])('%s never fires after 2026-11-25 in %s', (expression, timeZone, why) => {
    const reason = neverFiresReason(parse(expression), timeZone, now);
    expect(reason).toContain(`"${expression}" never fires after `);
    expect(reason).toContain(why);
  });

  it.each([
    ['cron(0 2 * * ? *)', 'Asia/Tokyo'],
    ['cron(30 2 ? MAR 1#2 *)', 'Europe/Berlin'],
    ['cron(0 0 1 1 ? 2199)', 'UTC'],
    ['rate(1 minute)', 'UTC'],
  ])('%s fires after 2026-11-25 in %s', (expression, timeZone) => {
    expect(neverFiresReason(parse(expression), timeZone, now)).toBeNull();
  });
});

describe('rate schedules', () => {
  const sixHours = parse('rate(6 hours)');
  const anchor = at('2025-01-01T01:30:00Z');

  it.each([
    ['the next slot after the anchor grid', '2025-01-02T00:00:00Z', anchor, '2025-01-02T01:30:00.000Z'],
    ['strictly after an occurrence', '2025-01-02T01:30:00Z', anchor, '2025-01-02T07:30:00.000Z'],
    ['the grid extends before the anchor', '2024-12-31T12:00:00Z', anchor, '2024-12-31T13:30:00.000Z'],
    ['the default anchor is the epoch', '2025-01-02T01:00:00Z', undefined, '2025-01-02T06:00:00.000Z'],
  ])('%s', (_name, after, anchorMs, expected) => {
    expect(iso(nextOccurrence(sixHours, 'Asia/Tokyo', at(after), anchorMs))).toBe(expected);
  });

  it('lists rate(6 hours) occurrences from an anchor, whatever the time zone', () => {
    const expected = [at('2025-01-02T01:30:00Z'), at('2025-01-02T07:30:00Z'), at('2025-01-02T13:30:00Z'), at('2025-01-02T19:30:00Z')];
    for (const timeZone of ['UTC', 'America/New_York']) {
      expect(occurrencesBetween(sixHours, timeZone, at('2025-01-02T00:00:00Z'), at('2025-01-03T00:00:00Z'), anchor)).toEqual(expected);
    }
  });
});

describe('typicalInterval', () => {
  const start = at('2025-01-01T00:00:00Z');
  it.each([
    ['a rate is its period', 'rate(6 hours)', 'UTC', 6 * HOUR],
    ['cron(0 */6 * * ? *) is six hours', 'cron(0 */6 * * ? *)', 'UTC', 6 * HOUR],
    ['every minute is one minute', 'cron(* * * * ? *)', 'UTC', MINUTE],
    ['every two minutes is two minutes', 'cron(*/2 * * * ? *)', 'Europe/Berlin', 2 * MINUTE],
    ['daily in Tokyo (no DST) is a day', 'cron(0 2 * * ? *)', 'Asia/Tokyo', DAY],
    ['daily 02:00 in New York is 24 hours: spring-forward skips that day’s run rather than shortening a day', 'cron(0 2 * * ? *)', 'America/New_York', DAY],
    ['daily 02:30 in Berlin is 24 hours', 'cron(30 2 * * ? *)', 'Europe/Berlin', DAY],
    ['01:00 and 03:00 in New York come one hour apart on the spring-forward day', 'cron(0 1,3 * * ? *)', 'America/New_York', HOUR],
    ['weekly is seven days', 'cron(0 3 ? * SUN *)', 'UTC', 7 * DAY],
    ['monthly is February’s 28 days', 'cron(0 0 1 * ? *)', 'UTC', 28 * DAY],
    ['yearly is 365 days', 'cron(0 0 1 1 ? *)', 'UTC', 365 * DAY],
    ['one remaining occurrence gives Infinity', 'cron(0 12 1 1 ? 2025)', 'UTC', Number.POSITIVE_INFINITY],
  ])('%s', (_name, expression, timeZone, expected) => {
    expect(typicalInterval(parse(expression), timeZone, start)).toBe(expected);
  });
});

describe('argument checks', () => {
  it('rejects an unknown time zone', () => {
    expect(() => nextOccurrence(parse('cron(0 2 * * ? *)'), 'Mars/Olympus_Mons', 0)).toThrow(InvalidInput);
    expect(() => nextOccurrence(parse('cron(0 2 * * ? *)'), 'Mars/Olympus_Mons', 0)).toThrow('timeZone: unknown IANA time zone');
  });

  it('rejects a non-finite instant', () => {
    expect(() => nextOccurrence(parse('rate(1 hour)'), 'UTC', Number.NaN)).toThrow('afterMs: must be a finite');
  });

  it('throws rather than return more than `limit` occurrences', () => {
    const everyMinute = parse('rate(1 minute)');
    expect(occurrencesBetween(everyMinute, 'UTC', 0, 100 * MINUTE, 0, 100)).toHaveLength(100);
    expect(() => occurrencesBetween(everyMinute, 'UTC', 0, 101 * MINUTE, 0, 100)).toThrow('limit: "rate(1 minute)" occurs more than 100 times');
  });

  it('returns nothing for an empty or reversed window', () => {
    expect(occurrencesBetween(parse('cron(0 * * * ? *)'), 'UTC', HOUR, HOUR)).toEqual([]);
    expect(occurrencesBetween(parse('cron(0 * * * ? *)'), 'UTC', 2 * DAY, DAY)).toEqual([]);
  });
});
