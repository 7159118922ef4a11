// steadyStateCount: how many snapshots a policy holds once it has filled, computed from the buckets in
// reach rather than by replaying every run — checked by hand on simple cases, on the team's policy (as
// the per-run simulation it replaces reported it), and on a schedule that simulation could not finish.
import { describe, expect, it } from 'vitest';
import { findResource, parsePolicy, retentionPolicyFor } from '../../../shared/policy/load.js';
import { steadyStateCount } from '../../../shared/retention/projection.js';
import type { RetentionRules } from '../../../shared/retention/rules.js';
import { parseScheduleExpression, scheduleRuns } from '../../../shared/schedule/expression.js';
import { readFileSync } from 'node:fs';
import { dur } from '../../helpers/snapshots.js';

const NOW = Date.parse('2026-11-25T09:00:00+09:00');
const count = (rules: RetentionRules, expression: string, timeZone = 'Asia/Tokyo') =>
  steadyStateCount(rules, timeZone, scheduleRuns(parseScheduleExpression(expression), timeZone), NOW);

describe('steadyStateCount', () => {
  it("holds 56 at most (53 at least) for the team's database policy, as the per-run simulation did", () => {
    const policy = parsePolicy(readFileSync(new URL('../../../backup-policy.yml', import.meta.url), 'utf8'));
    const appDb = findResource(policy, 'app-db');
    if (appDb === undefined) throw new Error('backup-policy.yml has no app-db');
    const result = count(retentionPolicyFor(policy, appDb).keep, 'cron(0 2 * * ? *)');
    expect({ max: result.max, min: result.min }).toEqual({ max: 56, min: 53 });
  });

  it.each([
    // 7 days of 6-hourly runs: the run now and 27 more newer than the cut-off (the one exactly 7 d ago is not).
    ['everything within 7d, every 6 hours', { within: dur('7d') }, 'cron(0 */6 * * ? *)', 28, 28],
    // The last 10 daily runs hold this year's newest; 6 earlier years add their last run each (16). From
    // 1 to 9 January last year's 31 December is still among the last 10, so only 5 years add one (15).
    ['last 10 and 7 yearly, daily', { last: 10, yearly: 7 }, 'cron(0 2 * * ? *)', 16, 15],
    ['7 daily, every hour', { daily: 7 }, 'rate(1 hour)', 7, 7],
    ['withinDaily 30d, daily', { withinDaily: dur('30d') }, 'cron(0 2 * * ? *)', 30, 30],
    // restic keeps the oldest snapshot under a duration rule while it is newer than the cut-off, whatever
    // its bucket: a month's last run, the oldest left once last year's 31 December goes, stays until the
    // 1y cut-off passes it ("oldest yearly within 1y"). On 1 March: today, the last of February, 31 January, last year's
    // 31 Dec and that oldest one (5). On 31 December: today and 30 November only (2).
    ['withinMonthly 2m and withinYearly 1y, daily', { withinMonthly: dur('2m'), withinYearly: dur('1y') }, 'cron(0 2 * * ? *)', 5, 2],
  ])('%s: max %i, min %i', (_name, rules, expression, max, min) => {
    const result = count(rules, expression);
    expect({ max: result.max, min: result.min }).toEqual({ max, min });
  });

  it('is unbounded (null) when a count rule keeps everything', () => {
    expect(count({ daily: 7, yearly: -1 }, 'cron(0 2 * * ? *)')).toMatchObject({ max: null, min: null });
  });

  it('holds nothing for a schedule that has ended', () => {
    expect(count({ daily: 7 }, 'cron(0 2 * * ? 2020-2024)')).toMatchObject({ max: 0, min: 0 });
  });

  describe('rate(1 minute) with withinHourly: 400d (the per-run simulation stopped after 500,000 runs and said 0)', () => {
    // The newest run of every wall-clock hour newer than the cut-off 400 days back is kept. On the hour
    // (t = HH:00) the cut-off is HH:00 400 days ago, so that hour's runs from HH:01 on are newer: 400 × 24
    // = 9,600 whole hours back to it, plus the hour just begun, holding only the run at t: 9,601. At HH:59
    // the cut-off has passed that old hour's last run (HH:59): 9,600. That is 96 times the RDS quota of 100.
    it.each([
      ['rate(1 minute)', 'UTC'],
      ['cron(* * * * ? *)', 'UTC'],
      ['rate(1 minute)', 'Asia/Tokyo'],
    ])('%s in %s holds 9,601 at most and 9,600 at least', (expression, timeZone) => {
      const result = count({ withinHourly: dur('400d') }, expression, timeZone);
      expect({ max: result.max, min: result.min }).toEqual({ max: 9601, min: 9600 });
    });

    it('looks at a bounded number of runs: a few per hour bucket in reach, not every run', () => {
      // The year counted plus the 400 days before it hold 1,101,600 minute runs; the buckets in reach are
      // (400 + 365) × 24 = 18,360 hours. Each hour is looked at a handful of times (its first and last run,
      // the run its expiry falls on, the start of the next).
      const result = count({ withinHourly: dur('400d') }, 'rate(1 minute)', 'UTC');
      expect(result.steps).toBeLessThan(100_000);
      expect(result.steps).toBeGreaterThan(18_360);
    });
  });
});
