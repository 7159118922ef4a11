// projectExpiry (projection.ts) against what it predicts: run the schedule forward, prune after every run
// with applyPolicy, and note the run after which each snapshot is gone. Over generated snapshot lists,
// bounded policies and legal holds, the predicted expiry of every snapshot must be that run — and a
// held snapshot, or one an unlimited rule keeps, never expires. Plus horizonAfter's reach, case by case.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPolicy, type RetentionSnapshot } from '../../shared/retention/apply-policy.js';
import { hasUnlimitedRule, horizonAfter, projectExpiry, type NextRun } from '../../shared/retention/projection.js';
import type { RetentionRules } from '../../shared/retention/rules.js';
import { dur } from '../helpers/snapshots.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ANCHOR = Date.parse('2020-01-01T02:00:00+09:00');
const FROM = Date.parse('2026-11-25T09:00:00+09:00');
/** Every day at 02:00 Tokyo. */
const daily = (after: number): number => ANCHOR + (Math.floor((after - ANCHOR) / DAY) + 1) * DAY;

/** The expiry of each snapshot by brute force: every run, then a prune, for `runs` runs. */
function simulate(snapshots: readonly RetentionSnapshot[], rules: RetentionRules, nextRun: NextRun, from: number, held: ReadonlySet<string>, runs: number): Map<string, number | null> {
  const expiry = new Map<string, number | null>(snapshots.map((s) => [s.id, null]));
  let current: RetentionSnapshot[] = [...snapshots];
  let at = from;
  for (let run = 0; run < runs; run += 1) {
    const next = nextRun(at);
    if (next === null) break;
    at = next;
    current = [{ id: `projected-${run}`, time: at }, ...current];
    const decisions = applyPolicy(current, rules, { now: at + 1, timeZone: 'Asia/Tokyo' }).decisions;
    current = [];
    for (const { snapshot, reasons } of decisions) {
      if (reasons.length > 0 || held.has(snapshot.id)) current.push(snapshot);
      else if (expiry.get(snapshot.id) === null) expiry.set(snapshot.id, at);
    }
  }
  return expiry;
}

/** 1–40 snapshots at 02:00 on days before FROM, some days skipped, some sharing a day. */
const history = fc
  .uniqueArray(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 40 })
  .map((daysBack) => daysBack.map((n, i) => ({ id: `s${i}`, time: daily(FROM - (n + 1) * DAY) - DAY + (i % 3 === 0 ? HOUR : 0) })));

/**
 * Bounded policies: every snapshot goes within a year of runs (nothing unlimited, nothing yearly), and no
 * count rule finer than the daily schedule (see the hourly example below).
 */
const bounded: fc.Arbitrary<RetentionRules> = fc
  .record(
    {
      last: fc.integer({ min: 1, max: 5 }),
      daily: fc.integer({ min: 1, max: 10 }),
      weekly: fc.integer({ min: 1, max: 5 }),
      monthly: fc.integer({ min: 1, max: 4 }),
      within: fc.constantFrom('3d', '10d', '36h').map(dur),
      withinDaily: fc.constantFrom('7d', '30d', '2w').map(dur),
      withinWeekly: fc.constantFrom('4w', '30d').map(dur),
      withinMonthly: fc.constantFrom('2m', '3m', '1m15d').map(dur),
    },
    { requiredKeys: [] },
  )
  .filter((r) => Object.keys(r).length > 0);

describe('projectExpiry', () => {
  it('predicts the run after which each snapshot goes, as running every run and pruning finds', () => {
    fc.assert(
      fc.property(history, bounded, fc.func(fc.boolean()), (snapshots, rules, isHeld) => {
        const held = new Set(snapshots.filter((s) => isHeld(s.id)).map((s) => s.id));
        const predicted = projectExpiry({ snapshots, rules, timeZone: 'Asia/Tokyo', nextRun: daily, from: FROM, held });
        expect(Object.fromEntries(predicted)).toEqual(Object.fromEntries(simulate(snapshots, rules, daily, FROM, held, 250)));
        for (const id of held) expect(predicted.get(id)).toBeNull();
      }),
      { numRuns: 30, seed: 20_261_202 },
    );
  });

  it('never expires what an unlimited rule keeps, and stops at the end of a schedule', () => {
    const snapshots = [0, 1, 2, 40, 41].map((n, i) => ({ id: `s${i}`, time: FROM - n * DAY - 7 * HOUR }));
    const unlimited = projectExpiry({ snapshots, rules: { monthly: -1, daily: 2 }, timeZone: 'Asia/Tokyo', nextRun: daily, from: FROM });
    // October's newest (s3) and the oldest (s4) stay forever; the daily rule lets the others go.
    expect([...unlimited.values()]).toEqual([daily(FROM + DAY), daily(FROM), daily(FROM), null, null]);
    const oneMoreRun = (after: number) => (after <= FROM ? daily(after) : null);
    expect([...projectExpiry({ snapshots, rules: { daily: 2 }, timeZone: 'Asia/Tokyo', nextRun: oneMoreRun, from: FROM }).values()]).toEqual([null, daily(FROM), daily(FROM), daily(FROM), daily(FROM)]);
  });

  // The horizon once assumed the schedule runs at least once per bucket of every count rule: with a count
  // rule finer than the schedule (hourly: 2, daily runs) it stopped after one run and said "never expires".
  it('projects the removal of a snapshot a count rule finer than the schedule removes after two runs', () => {
    const snapshot = { id: 's0', time: Date.parse('2026-11-24T03:00:00+09:00') };
    const input = { snapshots: [snapshot], rules: { hourly: 2 }, timeZone: 'Asia/Tokyo', nextRun: daily, from: FROM };
    expect(simulate([snapshot], input.rules, daily, FROM, new Set(), 10).get('s0')).toBe(Date.parse('2026-11-27T02:00:00+09:00'));
    expect(projectExpiry(input).get('s0')).toBe(Date.parse('2026-11-27T02:00:00+09:00'));
  });

  it('stops after the runs it is allowed', () => {
    const snapshots = [0, 1, 2, 3].map((n, i) => ({ id: `s${i}`, time: FROM - n * DAY - 7 * HOUR }));
    const input = { snapshots, rules: { last: 2 }, timeZone: 'Asia/Tokyo', nextRun: daily, from: FROM };
    expect([...projectExpiry({ ...input, maxRuns: 0 }).values()]).toEqual([null, null, null, null]);
    expect([...projectExpiry({ ...input, maxRuns: 1 }).values()]).toEqual([null, daily(FROM), daily(FROM), daily(FROM)]);
    expect([...projectExpiry(input).values()]).toEqual([daily(daily(FROM)), daily(FROM), daily(FROM), daily(FROM)]);
  });

  it('predicts as the simulation when a snapshot is newer than the first run (the list is sorted again then)', () => {
    // Projections normally start after the newest snapshot; one that does not must still order each run's list.
    const run1 = daily(FROM);
    const snapshots = [
      { id: 'later', time: run1 + 3 * HOUR },
      { id: 'old', time: FROM - 2 * DAY },
      { id: 'older', time: FROM - 3 * DAY },
    ];
    const predicted = projectExpiry({ snapshots, rules: { last: 3 }, timeZone: 'Asia/Tokyo', nextRun: daily, from: FROM });
    expect(Object.fromEntries(predicted)).toEqual(Object.fromEntries(simulate(snapshots, { last: 3 }, daily, FROM, new Set(), 30)));
    expect(Object.fromEntries(predicted)).toEqual({ later: run1 + 3 * DAY, old: run1 + DAY, older: run1 });
  });

  it('keeps running past the horizon while `last` still holds what it counts', () => {
    // A run every 30 days, `last: 3`: the horizon adds nothing for `last`, yet the third-newest lasts three runs.
    const monthlyRuns: NextRun = (after) => after + 30 * DAY;
    const snapshots = [{ id: 'a', time: FROM - DAY }, { id: 'b', time: FROM - 2 * DAY }, { id: 'c', time: FROM - 3 * DAY }];
    expect(Object.fromEntries(projectExpiry({ snapshots, rules: { last: 3 }, timeZone: 'UTC', nextRun: monthlyRuns, from: FROM }))).toEqual({
      a: FROM + 90 * DAY,
      b: FROM + 60 * DAY,
      c: FROM + 30 * DAY,
    });
  });
});

describe('horizonAfter and hasUnlimitedRule', () => {
  it.each([
    { rules: {}, reach: 0 },
    { rules: { last: 10 }, reach: 0 },
    { rules: { within: '3d' }, reach: 3 * DAY },
    { rules: { withinDaily: '30d', withinWeekly: '2w' }, reach: 30 * DAY },
    { rules: { hourly: 5 }, reach: 6 * HOUR },
    { rules: { daily: 7 }, reach: 8 * DAY },
    { rules: { weekly: 2 }, reach: 21 * DAY },
    { rules: { monthly: 1, daily: 3 }, reach: Date.parse('2027-01-25T09:00:00+09:00') - FROM },
    { rules: { yearly: 1 }, reach: Date.parse('2028-11-25T09:00:00+09:00') - FROM },
    { rules: { withinYearly: '1y', daily: -1 }, reach: Date.parse('2027-11-25T09:00:00+09:00') - FROM },
  ] as { rules: Record<string, number | string>; reach: number }[])('reaches $reach ms past the start with $rules', ({ rules, reach }) => {
    // Durations are read here, not in the table: code run when the file loads is "static" to Stryker.
    const read = Object.fromEntries(Object.entries(rules).map(([key, value]) => [key, typeof value === 'string' ? dur(value) : value])) as RetentionRules;
    expect(horizonAfter(read, FROM, 'Asia/Tokyo') - FROM).toBe(reach);
  });

  it('calls a policy unlimited only when a count rule is -1', () => {
    expect(hasUnlimitedRule({ daily: 7, weekly: 4 })).toBe(false);
    expect(hasUnlimitedRule({ withinYearly: dur('7y') })).toBe(false);
    for (const rule of ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const) expect(hasUnlimitedRule({ [rule]: -1 })).toBe(true);
  });
});
