// Benchmark: time to plan 10k, 100k and 1M snapshots under the team's database policy, input in random
// order across two years. Prints figures; asserts nothing (tests stay deterministic).

import { parsePolicy } from '../shared/policy/load.js';
import { findResource, retentionPolicyFor } from '../shared/policy/load.js';
import { parseDuration, type Duration } from '../shared/retention/duration.js';
import { planRetention, type PlannedSnapshot } from '../shared/retention/plan.js';
import { steadyStateCount } from '../shared/retention/projection.js';
import type { RetentionRules } from '../shared/retention/rules.js';
import { parseScheduleExpression, scheduleRuns } from '../shared/schedule/expression.js';
import { readFileSync } from 'node:fs';

function randomOrder<T>(items: T[], seed: number): T[] {
  let state = seed;
  for (let i = items.length - 1; i > 0; i -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

export function benchRetention(): string[] {
  const policy = parsePolicy(readFileSync('backup-policy.yml', 'utf8'));
  const appDb = findResource(policy, 'app-db');
  if (appDb === undefined) throw new Error('backup-policy.yml has no app-db');
  const retention = retentionPolicyFor(policy, appDb);
  const now = Date.parse('2026-11-25T09:00:00+09:00');
  const span = 2 * 365 * 86_400_000;
  const lines = ['retention plan (team database policy, snapshots spread over 2 years, random input order):'];
  let previous: number | null = null;
  for (const n of [10_000, 100_000, 1_000_000]) {
    const step = span / n;
    const snapshots: PlannedSnapshot[] = randomOrder(
      Array.from({ length: n }, (_, i) => ({ id: `snap-${i}`, time: Math.round(now - 3_600_000 - i * step) })),
      n,
    );
    planRetention(snapshots.slice(0, 1000), retention, { now }); // warm up
    const runs = n >= 1_000_000 ? 3 : 5;
    const times: number[] = [];
    let kept = 0;
    for (let r = 0; r < runs; r += 1) {
      const started = performance.now();
      kept = planRetention(snapshots, retention, { now }).keep.length;
      times.push(performance.now() - started);
    }
    const best = Math.min(...times);
    const perItem = (best * 1e6) / n;
    const growth = previous === null ? '' : `, ×${(best / previous).toFixed(1)} for ×10 input`;
    lines.push(`  ${String(n).padStart(9)} snapshots: ${best.toFixed(1).padStart(8)} ms best of ${runs} (${perItem.toFixed(0)} ns/snapshot, kept ${kept}${growth})`);
    previous = best;
  }
  return lines;
}

/**
 * Time to compute the steady-state snapshot count (policy check's figure) for the team's policy and for
 * schedules far denser than daily, which a run-by-run simulation could not finish.
 */
export function benchSteadyState(): string[] {
  const policy = parsePolicy(readFileSync('backup-policy.yml', 'utf8'));
  const appDb = findResource(policy, 'app-db');
  if (appDb === undefined) throw new Error('backup-policy.yml has no app-db');
  const d = (text: string): Duration => parseDuration(text) as Duration;
  const now = Date.parse('2026-11-25T09:00:00+09:00');
  const cases: [string, RetentionRules, string, string][] = [
    ["team database policy, daily 02:00", retentionPolicyFor(policy, appDb).keep, 'cron(0 2 * * ? *)', 'Asia/Tokyo'],
    ['withinHourly 400d, rate(1 minute)', { withinHourly: d('400d') }, 'rate(1 minute)', 'UTC'],
    ['withinHourly 400d, cron(* * * * ? *)', { withinHourly: d('400d') }, 'cron(* * * * ? *)', 'UTC'],
    ['withinHourly 400d, rate(1 minute), Berlin', { withinHourly: d('400d') }, 'rate(1 minute)', 'Europe/Berlin'],
    ['within 7d, rate(1 minute) (every run of the year looked at)', { within: d('7d') }, 'rate(1 minute)', 'UTC'],
  ];
  const lines = ['steady-state count (policy check), best of 3:'];
  for (const [name, rules, expression, timeZone] of cases) {
    const runs = scheduleRuns(parseScheduleExpression(expression), timeZone);
    const times: number[] = [];
    let result = steadyStateCount(rules, timeZone, runs, now);
    for (let r = 0; r < 3; r += 1) {
      const started = performance.now();
      result = steadyStateCount(rules, timeZone, runs, now);
      times.push(performance.now() - started);
    }
    lines.push(`  ${name}: ${Math.min(...times).toFixed(0)} ms (max ${result.max}, min ${result.min}, ${result.steps} runs looked at)`);
  }
  return lines;
}
