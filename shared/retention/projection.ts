// What a policy implies for the future if backups keep running on schedule and every run is followed by
// a prune: the date each kept snapshot will be removed, and how many snapshots pile up in steady state.

import { applyPolicy, type RetentionSnapshot } from './apply-policy.js';
import { addDuration, type Duration } from './duration.js';
import { COUNT_RULES, WITHIN_RULES, type RetentionRules } from './rules.js';

/** The next scheduled backup strictly after an instant, or null when the schedule ends. */
export type NextRun = (after: number) => number | null;

const ZERO: Duration = { years: 0, months: 0, days: 0, hours: 0 };
const COUNT_UNIT: Record<(typeof COUNT_RULES)[number], Duration> = {
  last: ZERO,
  hourly: { ...ZERO, hours: 1 },
  daily: { ...ZERO, days: 1 },
  weekly: { ...ZERO, days: 7 },
  monthly: { ...ZERO, months: 1 },
  yearly: { ...ZERO, years: 1 },
};

/**
 * The instant after which no rule with a bounded reach can still keep a snapshot taken at `from`:
 * the longest duration or count span, plus one bucket of slack. `last` adds nothing: its reach is in
 * snapshots, which the caller bounds by a step limit.
 */
export function horizonAfter(rules: RetentionRules, from: number, timeZone: string): number {
  let horizon = from;
  const reach = (d: Duration): void => {
    horizon = Math.max(horizon, addDuration(from, d, timeZone));
  };
  if (rules.within !== undefined) reach(rules.within);
  for (const rule of WITHIN_RULES) {
    const d = rules[rule];
    if (d !== undefined) reach(d);
  }
  for (const rule of COUNT_RULES) {
    const count = rules[rule] ?? 0;
    if (count <= 0) continue;
    const unit = COUNT_UNIT[rule];
    reach({ years: unit.years * (count + 1), months: unit.months * (count + 1), days: unit.days * (count + 1), hours: unit.hours * (count + 1) });
  }
  return horizon;
}

/** True when some rule keeps snapshots forever (an unlimited count). */
export function hasUnlimitedRule(rules: RetentionRules): boolean {
  return COUNT_RULES.some((rule) => rules[rule] === -1);
}

interface ProjectionInput<S extends RetentionSnapshot> {
  /** What exists after today's prune, all of it (snapshots held by guards occupy buckets too). */
  readonly snapshots: readonly S[];
  readonly rules: RetentionRules;
  readonly timeZone: string;
  readonly nextRun: NextRun;
  /** Backups are projected from here on (normally max(now, newest snapshot)). */
  readonly from: number;
  /** Ids that never expire (legal hold): they stay in the projected set. */
  readonly held?: ReadonlySet<string>;
  /** Safety bound on simulated runs. */
  readonly maxRuns?: number;
}

/**
 * For each snapshot id, the instant of the first scheduled run after which the policy removes it, or
 * null when it is still kept at the end of the projection (kept forever, or beyond the step bound).
 */
export function projectExpiry<S extends RetentionSnapshot>(input: ProjectionInput<S>): Map<string, number | null> {
  const { rules, timeZone, nextRun } = input;
  const held = input.held ?? new Set<string>();
  const expiry = new Map<string, number | null>(input.snapshots.map((s) => [s.id, null]));
  const pending = new Set(input.snapshots.filter((s) => !held.has(s.id)).map((s) => s.id));
  const horizon = horizonAfter(rules, input.from, timeZone);
  const maxRuns = input.maxRuns ?? 200_000;

  let current: RetentionSnapshot[] = [...input.snapshots];
  let at = input.from;
  for (let run = 0; run < maxRuns && pending.size > 0; run += 1) {
    const next = nextRun(at);
    if (next === null || (next > horizon && run > (rules.last ?? 0))) break;
    at = next;
    current = [{ id: `\u0000projected-${run}`, time: at }, ...current];
    const outcome = applyPolicy(current, rules, { now: at + 1, timeZone });
    current = [];
    for (const { snapshot, reasons } of outcome.decisions) {
      if (reasons.length > 0 || held.has(snapshot.id)) {
        current.push(snapshot);
      } else if (pending.delete(snapshot.id)) {
        expiry.set(snapshot.id, at);
      }
    }
  }
  return expiry;
}

export interface SteadyState {
  /** Most snapshots held at once once the policy's longest reach has been filled; null = unbounded. */
  readonly max: number | null;
  /** Fewest held over the same window (the count oscillates with weeks and months). */
  readonly min: number | null;
}

/**
 * Simulates backups on schedule from `from`, pruning after each, until the longest rule has filled and a
 * further year has passed; reports the range of counts over that last year.
 */
export function steadyStateCount(rules: RetentionRules, timeZone: string, nextRun: NextRun, from: number): SteadyState {
  if (hasUnlimitedRule(rules)) return { max: null, min: null };
  const filled = horizonAfter(rules, from, timeZone);
  const lastRuns = rules.last ?? 0;
  const end = addDuration(filled, { ...ZERO, years: 1 }, timeZone);
  let current: RetentionSnapshot[] = [];
  let max = 0;
  let min = Number.POSITIVE_INFINITY;
  let at = from;
  for (let run = 0; run < 500_000; run += 1) {
    const next = nextRun(at);
    if (next === null || (next > end && run > 2 * lastRuns)) break;
    at = next;
    current = [{ id: `run-${run}`, time: at }, ...current];
    const outcome = applyPolicy(current, rules, { now: at + 1, timeZone });
    current = outcome.decisions.filter((d) => d.reasons.length > 0).map((d) => d.snapshot);
    if (at >= filled && run >= lastRuns) {
      max = Math.max(max, current.length);
      min = Math.min(min, current.length);
    }
  }
  return { max, min: Number.isFinite(min) ? min : max };
}
