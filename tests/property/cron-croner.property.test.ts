// Differential test of the cron engine (shared/schedule/expression.ts) against an independent library,
// croner, over 2,400 generated EventBridge cron expressions (600 per zone, seeded, 5 occurrences each) in
// UTC, Asia/Tokyo, Europe/Berlin and America/New_York, from starting points spread over 2024–2031 and
// bunched around DST changes.
//
// croner speaks Quartz-like cron (seconds first, 1 = Sunday with alternativeWeekdays, `5#L` for the last
// Thursday, `n/step` with sloppyRanges); each AWS expression is translated. Intentional differences, all
// about daylight saving time, where croner follows Vixie cron and EventBridge Scheduler documents its own
// rule ("your schedule invocation gets skipped if the cron expression falls on a non-existent date and
// time … runs only once and doesn't repeat its invocation"):
//   - a wall time in a spring-forward gap: croner runs a fixed-time job (one minute, one hour) at the first
//     time after the gap; AWS skips it. Those croner runs do not match the expression and are dropped.
//   - a wall time repeated by a fall-back: croner runs an interval job (a list, range or step in minutes
//     or hours) at both passes; AWS runs once, at the first. Second passes are dropped.
// Everything else must agree exactly. Expressions this engine rejects as never firing (31 FEB) must give
// croner no run at all. (Also intentional: `/` in day-of-week is rejected here, as AWS's table allows
// only , - * ? L # there; the generator does not produce it.)
import { Cron } from 'croner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../shared/errors.js';
import { occurrencesAfter, parseScheduleExpression } from '../../shared/schedule/expression.js';

const ZONES = ['UTC', 'Asia/Tokyo', 'Europe/Berlin', 'America/New_York'] as const;
const OCCURRENCES = 5;
const HOUR = 3_600_000;

/** DST changes of Berlin and New York, 2025–2028: starting points gather in the two days before them. */
const TRANSITIONS = [
  '2025-03-09T07:00:00Z', '2025-03-30T01:00:00Z', '2025-10-26T01:00:00Z', '2025-11-02T06:00:00Z',
  '2026-03-08T07:00:00Z', '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-11-01T06:00:00Z',
  '2027-03-14T07:00:00Z', '2027-03-28T01:00:00Z', '2027-10-31T01:00:00Z', '2027-11-07T06:00:00Z',
].map(Date.parse);

// ---------------------------------------------------------------------------------------------
// Generators of AWS cron fields, each paired with its croner spelling.

interface Field {
  readonly aws: string;
  readonly croner: string;
}
const same = (text: string): Field => ({ aws: text, croner: text });

/** A numeric field: *, n, a-b, * /s, a/s, a-b/s, or a short comma list of values and ranges. */
function numeric(min: number, max: number, hot: readonly number[] = []): fc.Arbitrary<Field> {
  const value = fc.oneof(fc.integer({ min, max }), ...(hot.length > 0 ? [fc.constantFrom(...hot)] : []));
  const range = fc.tuple(value, value).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`);
  const step = fc.integer({ min: 1, max: Math.max(1, Math.floor((max - min) / 2)) });
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(same('*')) },
    { weight: 4, arbitrary: value.map((v) => same(String(v))) },
    { weight: 2, arbitrary: range.map(same) },
    { weight: 2, arbitrary: step.map((s) => same(`*/${s}`)) },
    { weight: 1, arbitrary: fc.tuple(value, step).map(([a, s]) => same(`${a}/${s}`)) },
    { weight: 1, arbitrary: fc.tuple(range, step).map(([r, s]) => same(`${r}/${s}`)) },
    { weight: 2, arbitrary: fc.uniqueArray(fc.oneof(value.map(String), range), { minLength: 2, maxLength: 3 }).map((items) => same(items.join(','))) },
  );
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const minutes = numeric(0, 59, [0, 30]);
const hours = numeric(0, 23, [1, 2, 3]);
const months = fc.oneof(
  { weight: 4, arbitrary: numeric(1, 12, [2, 3, 10, 11]) },
  { weight: 1, arbitrary: fc.constantFrom(...MONTH_NAMES).map(same) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 6, max: 11 })).map(([a, b]) => same(`${MONTH_NAMES[a]}-${MONTH_NAMES[b]}`)) },
);
const years = fc.oneof(
  { weight: 6, arbitrary: fc.constant(same('*')) },
  { weight: 1, arbitrary: fc.integer({ min: 2024, max: 2031 }).map((y) => same(String(y))) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 2020, max: 2027 }), fc.integer({ min: 0, max: 6 })).map(([y, n]) => same(`${y}-${y + n}`)) },
  // AWS counts a year step from 1970; croner's `*` starts at year 1, so spell the start out.
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 5 }).map((s) => ({ aws: `*/${s}`, croner: `1970-2199/${s}` })) },
);

/** Day-of-month (day-of-week then `?`), with AWS's L, LW and nW. */
const dayOfMonth = fc.oneof(
  { weight: 6, arbitrary: numeric(1, 31, [1, 15, 28, 29, 30, 31]) },
  { weight: 1, arbitrary: fc.constant(same('L')) },
  { weight: 1, arbitrary: fc.constant(same('LW')) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 31 }).map((d) => same(`${d}W`)) },
);

/** Day-of-week (day-of-month then `?`): 1–7 = SUN–SAT, names, `nL` (last), `n#k` (k-th), `L` (Saturday). */
const weekday = fc.integer({ min: 1, max: 7 });
const dayOfWeek = fc.oneof(
  { weight: 3, arbitrary: weekday.map((d) => same(String(d))) },
  { weight: 1, arbitrary: weekday.map((d) => same(DAY_NAMES[d - 1] as string)) },
  { weight: 2, arbitrary: fc.tuple(weekday, weekday).map(([a, b]) => same(`${Math.min(a, b)}-${Math.max(a, b)}`)) },
  { weight: 1, arbitrary: fc.uniqueArray(weekday, { minLength: 2, maxLength: 3 }).map((ds) => same(ds.join(','))) },
  { weight: 1, arbitrary: fc.constant(same('*')) },
  { weight: 1, arbitrary: weekday.map((d) => ({ aws: `${d}L`, croner: `${d}#L` })) },
  { weight: 1, arbitrary: fc.tuple(weekday, fc.integer({ min: 1, max: 5 })).map(([d, k]) => same(`${d}#${k}`)) },
  { weight: 1, arbitrary: fc.constant({ aws: 'L', croner: '7' }) },
);

const expression = fc
  .record({ minutes, hours, months, years, byWeek: fc.boolean(), dom: dayOfMonth, dow: dayOfWeek })
  .map(({ minutes: mi, hours: h, months: mo, years: y, byWeek, dom, dow }) => {
    const [d, w] = byWeek ? [same('?'), dow] : [dom, same('?')];
    return {
      aws: `cron(${mi.aws} ${h.aws} ${d.aws} ${mo.aws} ${w.aws} ${y.aws})`,
      croner: `0 ${mi.croner} ${h.croner} ${d.croner} ${mo.croner} ${w.croner} ${y.croner}`,
    };
  });

const start = fc.oneof(
  fc.integer({ min: Date.parse('2024-06-01T00:00:00Z') / 60_000, max: Date.parse('2031-01-01T00:00:00Z') / 60_000 }).map((m) => m * 60_000),
  fc.tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: 0, max: 48 * 60 })).map(([t, m]) => t - m * 60_000),
);

// ---------------------------------------------------------------------------------------------
// croner, with EventBridge Scheduler's DST rule on top

const wallFormats = new Map<string, Intl.DateTimeFormat>();
/** The wall clock reading of an instant in a zone, to the minute (Intl, independent of zone.ts). */
function wallReading(instant: number, timeZone: string): string {
  let format = wallFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    wallFormats.set(timeZone, format);
  }
  return format.format(instant);
}

/** croner's next runs after `from`, less the runs AWS does not make: gap-shifted ones and second passes. */
function cronerRuns(pattern: string, timeZone: string, from: number, count: number): number[] {
  const job = new Cron(pattern, { timezone: timeZone, mode: '7-part', alternativeWeekdays: true, sloppyRanges: true, domAndDow: true, paused: true });
  const runs: number[] = [];
  let at = new Date(from);
  for (let guard = 0; runs.length < count && guard < count + 200; guard += 1) {
    const next = job.nextRun(at);
    if (next === null) break;
    at = next;
    const instant = next.getTime();
    if (!job.match(next)) continue; // a fixed-time job run after a spring-forward gap
    if (wallReading(instant - HOUR, timeZone) === wallReading(instant, timeZone)) continue; // a fall-back's second pass
    runs.push(instant);
  }
  return runs;
}

function ourRuns(aws: string, timeZone: string, from: number, count: number): number[] | 'never fires' {
  let schedule;
  try {
    schedule = parseScheduleExpression(aws);
  } catch (error) {
    if (error instanceof InvalidInput && error.message.includes('never fires')) return 'never fires';
    throw error;
  }
  const runs: number[] = [];
  for (const run of occurrencesAfter(schedule, timeZone, from)) {
    if (runs.length === count) break;
    runs.push(run);
  }
  return runs;
}

describe('cron occurrences agree with croner (EventBridge DST rule applied on top)', () => {
  it.each(ZONES)('over 600 generated expressions in %s', (timeZone) => {
    let compared = 0;
    fc.assert(
      fc.property(expression, start, ({ aws, croner }, from) => {
        const ours = ourRuns(aws, timeZone, from, OCCURRENCES);
        if (ours === 'never fires') {
          expect(new Cron(croner, { timezone: timeZone, mode: '7-part', alternativeWeekdays: true, sloppyRanges: true, domAndDow: true, paused: true }).nextRun(new Date(Date.parse('1970-01-01T00:00:00Z'))), aws).toBeNull();
          return;
        }
        const theirs = cronerRuns(croner, timeZone, from, OCCURRENCES);
        expect(ours.map((t) => new Date(t).toISOString()), `${aws} from ${new Date(from).toISOString()}`).toEqual(theirs.map((t) => new Date(t).toISOString()));
        compared += 1;
      }),
      { numRuns: 600, seed: 20_261_202 + ZONES.indexOf(timeZone) },
    );
    expect(compared).toBeGreaterThan(500);
  });
});
