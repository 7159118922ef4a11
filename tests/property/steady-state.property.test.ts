// The steady-state count (projection.ts) against a reference that does what it replaces: simulate every
// backup run from `from`, prune after each with applyPolicy, and take the most and fewest held over the
// year after the longest rule has filled. Over generated rules, schedules and time zones small enough for
// the reference to run, both must agree exactly — max and min.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPolicy, type RetentionSnapshot } from '../../shared/retention/apply-policy.js';
import { addDuration, type Duration } from '../../shared/retention/duration.js';
import { hasUnlimitedRule, horizonAfter, steadyStateCount, type NextRun } from '../../shared/retention/projection.js';
import type { RetentionRules } from '../../shared/retention/rules.js';
import { nextOccurrence, parseScheduleExpression, scheduleRuns } from '../../shared/schedule/expression.js';
import { isoWeek, wallTime } from '../../shared/time/zone.js';

const BUCKET_KEY = {
  hourly: (w: ReturnType<typeof wallTime>) => `${w.year}-${w.month}-${w.day} ${w.hour}`,
  daily: (w: ReturnType<typeof wallTime>) => `${w.year}-${w.month}-${w.day}`,
  weekly: (w: ReturnType<typeof wallTime>) => JSON.stringify(isoWeek(w.year, w.month, w.day)),
  monthly: (w: ReturnType<typeof wallTime>) => `${w.year}-${w.month}`,
  yearly: (w: ReturnType<typeof wallTime>) => `${w.year}`,
} as const;

/**
 * The per-run simulation steadyStateCount used to be (its 500,000-run cap lifted), over the year it now
 * reports: from the horizon, or from when restic's "oldest" rule lets go of the first run if later.
 */
function simulate(rules: RetentionRules, timeZone: string, nextRun: NextRun, from: number): { max: number | null; min: number | null } {
  if (hasUnlimitedRule(rules)) return { max: null, min: null };
  const filled = horizonAfter(rules, from, timeZone);
  const lastRuns = rules.last ?? 0;
  const hasCutoff = (['within', 'withinHourly', 'withinDaily', 'withinWeekly', 'withinMonthly', 'withinYearly'] as const).some((r) => rules[r] !== undefined);
  const held: { at: number; run: number; count: number }[] = [];
  // A count rule N has filled once the runs so far span N + 1 of its buckets.
  const buckets = Object.fromEntries(Object.keys(BUCKET_KEY).map((unit) => [unit, new Set<string>()])) as Record<keyof typeof BUCKET_KEY, Set<string>>;
  let countsFilled = Number.POSITIVE_INFINITY;
  let current: RetentionSnapshot[] = [];
  let firstGone = Number.NEGATIVE_INFINITY;
  let at = from;
  for (let run = 0; ; run += 1) {
    const next = nextRun(at);
    const start = Math.max(filled, hasCutoff ? firstGone : filled, countsFilled);
    const sure = Number.isFinite(start);
    if (next === null || (sure && next > addDuration(start, { years: 1, months: 0, days: 0, hours: 0 }, timeZone) && run > 2 * lastRuns)) break;
    at = next;
    current = [{ id: `run-${run}`, time: at }, ...current];
    const outcome = applyPolicy(current, rules, { now: at + 1, timeZone });
    current = outcome.decisions.filter((d) => d.reasons.length > 0).map((d) => d.snapshot);
    if (!Number.isFinite(firstGone) && !current.some((s) => s.id === 'run-0')) firstGone = at;
    const wall = wallTime(at, timeZone);
    for (const unit of Object.keys(BUCKET_KEY) as (keyof typeof BUCKET_KEY)[]) buckets[unit].add(BUCKET_KEY[unit](wall));
    if (!Number.isFinite(countsFilled) && (Object.keys(BUCKET_KEY) as (keyof typeof BUCKET_KEY)[]).every((unit) => buckets[unit].size > (rules[unit] ?? 0))) countsFilled = at;
    held.push({ at, run, count: current.length });
  }
  const start = Math.max(filled, hasCutoff ? firstGone : filled, countsFilled);
  const end = addDuration(start, { years: 1, months: 0, days: 0, hours: 0 }, timeZone);
  const counted = held.filter((h) => h.at >= start && h.run >= lastRuns && (h.at <= end || h.run <= 2 * lastRuns)).map((h) => h.count);
  if (counted.length === 0) return { max: 0, min: 0 };
  return { max: Math.max(...counted), min: Math.min(...counted) };
}

const d = (days: number, hours = 0, months = 0, years = 0): Duration => ({ years, months, days, hours });

/** Schedules and, for each, rules whose reach keeps the reference simulation to a few thousand runs. */
const SCHEDULES = {
  hourly: ['cron(0 * * * ? *)', 'rate(1 hour)', 'cron(15 */2 * * ? *)', 'cron(0,40 1-5 * * ? *)', 'rate(3 hours)'],
  daily: ['cron(0 2 * * ? *)', 'cron(30 2 * * ? *)', 'cron(0 0 ? * MON-FRI *)', 'rate(1 day)', 'cron(0 1,13 * * ? *)', 'cron(0 23 L * ? *)'],
} as const;
const ZONES = ['UTC', 'Asia/Tokyo', 'Europe/Berlin', 'America/New_York'] as const;

const count = (max: number) => fc.option(fc.integer({ min: 1, max }), { nil: undefined });
const span = (arb: fc.Arbitrary<Duration>) => fc.option(arb, { nil: undefined });

const hourlyRules: fc.Arbitrary<RetentionRules> = fc.record({
  last: count(6),
  hourly: count(30),
  daily: count(10),
  weekly: count(3),
  within: span(fc.integer({ min: 1, max: 60 }).map((h) => d(0, h))),
  withinHourly: span(fc.integer({ min: 1, max: 72 }).map((h) => d(0, h))),
  withinDaily: span(fc.integer({ min: 1, max: 12 }).map((n) => d(n))),
  withinWeekly: span(fc.integer({ min: 1, max: 3 }).map((n) => d(7 * n))),
});

const dailyRules: fc.Arbitrary<RetentionRules> = fc.record({
  last: count(8),
  daily: count(20),
  weekly: count(8),
  monthly: count(6),
  yearly: count(2),
  within: span(fc.integer({ min: 1, max: 10 }).map((n) => d(n))),
  withinDaily: span(fc.integer({ min: 1, max: 40 }).map((n) => d(n))),
  withinWeekly: span(fc.integer({ min: 1, max: 10 }).map((n) => d(7 * n))),
  withinMonthly: span(fc.integer({ min: 1, max: 7 }).map((n) => d(0, 0, n))),
  withinYearly: span(fc.constant(d(0, 0, 0, 1))),
});

const defined = (rules: RetentionRules): RetentionRules =>
  Object.fromEntries(Object.entries(rules).filter(([, value]) => value !== undefined));

const FROM = Date.parse('2026-11-25T00:00:00Z');

describe('steadyStateCount equals a simulation of every run', () => {
  it.each([
    ['hourly', hourlyRules],
    ['daily', dailyRules],
  ] as const)('for %s-ish schedules, generated rules and DST zones', (kind, rulesArb) => {
    fc.assert(
      fc.property(
        rulesArb.map(defined).filter((r) => Object.keys(r).length > 0),
        fc.constantFrom(...SCHEDULES[kind]),
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 400 * 24 }),
        (rules, expression, timeZone, hoursLater) => {
          const schedule = parseScheduleExpression(expression);
          const from = FROM + hoursLater * 3_600_000;
          const reference = simulate(rules, timeZone, (after) => nextOccurrence(schedule, timeZone, after), from);
          const fast = steadyStateCount(rules, timeZone, scheduleRuns(schedule, timeZone), from);
          expect({ max: fast.max, min: fast.min }).toEqual(reference);
        },
      ),
      { numRuns: kind === 'hourly' ? 8 : 20, seed: 20_261_125 },
    );
  });
});
