// What a policy implies for the future if backups keep running on schedule and every run is followed by
// a prune: the date each kept snapshot will be removed, and how many snapshots pile up in steady state.

import { offsetAt } from '../time/zone.js';
import { newestBefore, PolicyWalk, RememberedBucketKeys, sortNewestFirst, type RetentionSnapshot } from './apply-policy.js';
import { bucketEnd, bucketStart, type BucketUnit } from './calendar-buckets.js';
import { addDuration, durationCovers, durationSpanMs, isZeroDuration, subtractDuration, type Duration } from './duration.js';
import { COUNT_RULES, WITHIN_RULES, type RetentionRules } from './rules.js';

/** The next scheduled backup strictly after an instant, or null when the schedule ends. */
export type NextRun = (after: number) => number | null;

/** The backup schedule as the steady-state count walks it, forwards and backwards. */
export interface RunSchedule {
  /** The runs strictly after an instant, ascending (lazily: the walk stops when it has enough). */
  after(instant: number): Iterable<number>;
  /** The last run strictly before an instant, or null. */
  previous(instant: number): number | null;
}

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

  // A count rule counts buckets that hold a snapshot, not calendar time: with a schedule sparser than its
  // buckets (hourly: 2, daily runs) it keeps a snapshot for N runs, whatever the horizon says. So the
  // projection goes on past the horizon for as many runs as the largest count (or `last`).
  const countReach = Math.max(0, ...COUNT_RULES.map((rule) => rules[rule] ?? 0));
  // The policy is applied after every run to nearly the same list: bucket keys are worked out once per
  // instant, and only whether each snapshot stays is asked (no reasons written).
  const keys = new RememberedBucketKeys(timeZone);
  let current: RetentionSnapshot[] = sortNewestFirst(input.snapshots);
  let at = input.from;
  let beyond = 0;
  for (let run = 0; run < maxRuns && pending.size > 0; run += 1) {
    const next = nextRun(at);
    if (next === null) break;
    if (next > horizon) {
      if (beyond > countReach) break;
      beyond += 1;
    }
    at = next;
    // The runs come in order, after every snapshot: the list stays newest first without a sort, as a rule.
    const projected = { id: `\u0000projected-${run}`, time: at };
    const list = at >= (current[0]?.time ?? at) ? [projected, ...current] : sortNewestFirst([projected, ...current]);
    const walk = new PolicyWalk(rules, newestBefore(list, at + 1), timeZone, keys, list.length - 1);
    current = [];
    for (let nr = 0; nr < list.length; nr += 1) {
      const snapshot = list[nr] as RetentionSnapshot;
      if (walk.decide(snapshot, nr, null) || held.has(snapshot.id)) {
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
  /** Schedule runs looked at (yielded by `after` or returned by `previous`): the work done. */
  readonly steps: number;
}

const BUCKET_UNITS: readonly BucketUnit[] = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'];
const WITHIN_OF: Record<BucketUnit, (typeof WITHIN_RULES)[number]> = {
  hourly: 'withinHourly',
  daily: 'withinDaily',
  weekly: 'withinWeekly',
  monthly: 'withinMonthly',
  yearly: 'withinYearly',
};
const ONE_YEAR: Duration = { years: 1, months: 0, days: 0, hours: 0 };

/**
 * How many snapshots the policy holds when backups run on schedule from `from` and each run is followed
 * by a prune: the most and fewest over a year, once the longest rule has filled (the year after
 * horizonAfter(from), or after restic's "oldest" rule has let go of the first run if that is later),
 * exactly as a simulation of every run would report them over that year.
 *
 * Not by simulating every run. After a prune, what is held is the policy applied to every run so far:
 * each bucket rule keeps the newest run of each bucket in its reach, and only a bucket's last run (its
 * "closer") can outlive the next run. So each closer is kept from its own run to a computable expiry
 * (its bucket leaves the rule's count, or the rule's duration cut-off passes it), and
 *   held(t) = (runs `within`/`last` keep, the run t among them) + (closers older than those, not expired)
 *             + (1 while restic's "oldest snapshot" rule alone keeps the oldest survivor).
 * Without `within`/`last`, that grows only at a bucket's first run and shrinks up to its last, so the
 * count is needed only at those two runs of each bucket of the finest unit (hour, else day): a year of
 * rate(1 minute) is 2 × 8,760 looks, not 525,600 runs. With `within`/`last`, every run of the year is
 * looked at, counting in O(1) each. Work grows with the buckets in reach, not with the runs in them.
 */
export function steadyStateCount(rules: RetentionRules, timeZone: string, schedule: RunSchedule, from: number): SteadyState {
  if (hasUnlimitedRule(rules)) return { max: null, min: null, steps: 0 };
  let steps = 0;
  const after = function* (instant: number): Generator<number> {
    for (const run of schedule.after(instant)) {
      steps += 1;
      yield run;
    }
  };
  const next = (instant: number): number | null => {
    for (const run of after(instant)) return run;
    return null;
  };
  const previous = (instant: number): number | null => {
    steps += 1;
    const run = schedule.previous(instant);
    return run === null || run <= from ? null : run;
  };

  // A year once the longest rule has filled (and, with `last: N`, from the N-th run on, up to the 2N-th
  // at least). Not before restic's "oldest" rule has let go of the very first run, either: that
  // start-up effect (it holds run one for the longest duration) is not the steady state.
  const lastRuns = rules.last ?? 0;
  const cutoffs = withinDurations(rules);
  const historyStart = next(from);
  if (historyStart === null) return { max: 0, min: 0, steps };
  let windowStart = horizonAfter(rules, from, timeZone);
  if (cutoffs.length > 0) {
    windowStart = Math.max(windowStart, expiryUnderCutoffs(historyStart, cutoffs, Number.NEGATIVE_INFINITY, timeZone, next, Number.MAX_SAFE_INTEGER));
  }
  // Nor before each count rule has more buckets of history than it keeps (a sparse schedule takes longer
  // than the calendar horizon): until then restic's rule also holds the oldest run while budget is left.
  for (const unit of BUCKET_UNITS) {
    let run: number | null = historyStart;
    for (let i = 0; i < (rules[unit] ?? 0) && run !== null; i += 1) run = next(bucketEnd(run, unit, timeZone) - 1);
    windowStart = Math.max(windowStart, run ?? Number.POSITIVE_INFINITY);
  }
  if (!Number.isFinite(windowStart)) return { max: 0, min: 0, steps };
  let windowEnd = addDuration(windowStart, ONE_YEAR, timeZone);
  if (lastRuns > 0) {
    let index = 0;
    for (const run of after(from)) {
      if (index === lastRuns) windowStart = Math.max(windowStart, run);
      if (index === 2 * lastRuns) {
        windowEnd = Math.max(windowEnd, run);
        break;
      }
      index += 1;
    }
  }
  const firstRun = next(Math.max(from, windowStart - 1));
  if (firstRun === null || firstRun > windowEnd) return { max: 0, min: 0, steps };

  const withinAll = rules.within !== undefined && !isZeroDuration(rules.within) ? rules.within : null;
  const allRuns = withinAll !== null || lastRuns > 0;
  const walk = { next, previous, windowEnd, timeZone, withinAll, lastRuns };
  // restic's "oldest" rule is followed from the first run on. That run goes once every rule and cut-off
  // has let go of it, about the longest duration after `from`; every later question about the oldest
  // survivor is asked after that, so closers are needed only from as far back as can still be held then
  // (or at the window's start).
  let firstNormalEnd = Number.NEGATIVE_INFINITY;
  let queryStart = firstRun;
  if (cutoffs.length > 0) {
    const first = closerFor(historyStart, rules, timeZone, { next, previous });
    if (first !== null) first.expiry = closerExpiry(first, withinAll, timeZone, next, windowEnd);
    firstNormalEnd = Math.max(first?.expiry ?? Number.NEGATIVE_INFINITY, allRunsExpiry(historyStart, walk));
    queryStart = Math.min(firstRun, Math.max(firstNormalEnd, expiryUnderCutoffs(historyStart, cutoffs, Number.NEGATIVE_INFINITY, timeZone, next, windowEnd)));
  }
  const closers = collectClosers(rules, timeZone, { next, previous }, from, queryStart, windowEnd);
  for (const closer of closers) closer.expiry = closerExpiry(closer, withinAll, timeZone, next, windowEnd);
  closers.sort((a, b) => a.run - b.run);
  const bonus = cutoffs.length > 0 ? oldestSurvivorBonus(closers, cutoffs, walk, historyStart, firstNormalEnd) : [];

  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  const alive = new MinHeap();
  let entered = 0;
  let bonusAt = 0;
  /** held(t), given the oldest run that `within`/`last` still keep and how many runs they keep. */
  const evaluate = (t: number, floor: number, keptByAllRuns: number): void => {
    while (entered < closers.length && (closers[entered] as Closer).run < floor) {
      alive.push((closers[entered] as Closer).expiry);
      entered += 1;
    }
    while (alive.size > 0 && alive.peek() <= t) alive.pop();
    while (bonusAt < bonus.length && (bonus[bonusAt] as Interval).end <= t) bonusAt += 1;
    const oldest = bonusAt < bonus.length && (bonus[bonusAt] as Interval).start <= t ? 1 : 0;
    const held = keptByAllRuns + alive.size + oldest;
    max = Math.max(max, held);
    min = Math.min(min, held);
  };

  if (!allRuns) {
    const unit: BucketUnit = rules.hourly || rules.withinHourly ? 'hourly' : 'daily';
    for (let run: number | null = firstRun; run !== null && run <= windowEnd; ) {
      const end = bucketEnd(run, unit, timeZone);
      const last = previous(Math.min(end, windowEnd + 1)) ?? run;
      evaluate(run, run, 1);
      if (last > run) evaluate(last, last, 1);
      run = next(Math.max(run, end - 1));
    }
    return { max, min, steps };
  }

  // Every run from a little before the window: the ones `within`/`last` keep at its start, then the year.
  let start = firstRun;
  if (withinAll !== null) start = Math.min(start, subtractDuration(firstRun, withinAll, timeZone));
  for (let i = 0; i < lastRuns; i += 1) start = Math.min(start, previous(start) ?? start);
  const recent = new Float64Array(Math.max(lastRuns, 1)); // ring of the last `lastRuns` runs
  const trail = after(start - 1)[Symbol.iterator]();
  let trailRun = trail.next().value as number; // oldest run still within `within` (runs before it: dropped)
  let dropped = 0;
  let seen = 0;
  for (const t of after(start - 1)) {
    if (t > windowEnd) break;
    recent[seen % recent.length] = t;
    seen += 1;
    let floor = t;
    let kept = 1;
    if (withinAll !== null) {
      const cutoff = subtractDuration(t, withinAll, timeZone);
      while (trailRun <= cutoff) {
        trailRun = trail.next().value as number;
        dropped += 1;
      }
      floor = trailRun;
      kept = seen - dropped;
    }
    if (lastRuns > 0 && seen >= lastRuns) {
      const lastFloor = recent[(seen - lastRuns) % recent.length] as number;
      if (lastFloor < floor) {
        floor = lastFloor;
        kept = lastRuns;
      }
    }
    if (t >= firstRun) evaluate(t, floor, kept);
  }
  return { max, min, steps };
}

/** A bucket's last run, with every reason a rule has to keep it past its own run. */
interface Closer {
  readonly run: number;
  /** The first run of the bucket that pushes its bucket out of a count rule (latest over rules). */
  countEnd: number;
  /** The duration cut-offs it stays within. */
  readonly within: Duration[];
  /** The first run at which no rule keeps it (filled in once every reason is known). */
  expiry: number;
}

/**
 * The closers of every bucket unit a rule uses, from as far back as one can still be held at `queryStart`
 * (history begins at `from`) to the window's end, each with its reasons; a run closing several buckets
 * (the last run of a day is the last of its hour) is one closer with all of their reasons.
 */
function collectClosers(
  rules: RetentionRules,
  timeZone: string,
  runs: { next(after: number): number | null; previous(before: number): number | null },
  from: number,
  queryStart: number,
  windowEnd: number,
): Closer[] {
  const byRun = new Map<number, Closer>();
  for (const unit of BUCKET_UNITS) {
    const count = rules[unit] ?? 0;
    const withinRule = rules[WITHIN_OF[unit]];
    const within = withinRule !== undefined && !isZeroDuration(withinRule) ? withinRule : null;
    if (count <= 0 && within === null) continue;
    // How far back a closer can still be held at the window's start: within the cut-off, or among the
    // `count` buckets before the window's (the bucket before them included, to be safe).
    let reach = Number.POSITIVE_INFINITY;
    if (within !== null) reach = bucketStart(subtractDuration(queryStart, within, timeZone), unit, timeZone);
    if (count > 0) {
      let start = bucketStart(queryStart, unit, timeZone);
      for (let i = 0; i <= count; i += 1) {
        const before = runs.previous(start);
        if (before === null) break;
        start = bucketStart(before, unit, timeZone);
      }
      reach = Math.min(reach, start);
    }
    const buckets: { first: number; last: number }[] = [];
    for (let run = runs.next(Math.max(from, reach - 1)); run !== null && run <= windowEnd; ) {
      const end = bucketEnd(run, unit, timeZone);
      buckets.push({ first: run, last: runs.previous(Math.min(end, windowEnd + 1)) ?? run });
      run = runs.next(Math.max(run, end - 1));
    }
    buckets.forEach((bucket, index) => {
      let closer = byRun.get(bucket.last);
      if (closer === undefined) {
        closer = { run: bucket.last, countEnd: Number.NEGATIVE_INFINITY, within: [], expiry: Number.POSITIVE_INFINITY };
        byRun.set(bucket.last, closer);
      }
      if (count > 0) closer.countEnd = Math.max(closer.countEnd, buckets[index + count]?.first ?? Number.POSITIVE_INFINITY);
      if (within !== null) closer.within.push(within);
    });
  }
  return [...byRun.values()];
}

/** The reasons to keep one run past its own run, when it is the last of some bucket a rule uses; else null. */
function closerFor(
  run: number,
  rules: RetentionRules,
  timeZone: string,
  runs: { next(after: number): number | null; previous(before: number): number | null },
): Closer | null {
  let closer: Closer | null = null;
  for (const unit of BUCKET_UNITS) {
    const count = rules[unit] ?? 0;
    const withinRule = rules[WITHIN_OF[unit]];
    const within = withinRule !== undefined && !isZeroDuration(withinRule) ? withinRule : null;
    if ((count <= 0 && within === null) || runs.previous(bucketEnd(run, unit, timeZone)) !== run) continue;
    closer ??= { run, countEnd: Number.NEGATIVE_INFINITY, within: [], expiry: Number.POSITIVE_INFINITY };
    if (count > 0) {
      let later: number | null = run;
      for (let i = 0; i < count && later !== null; i += 1) later = runs.next(bucketEnd(later, unit, timeZone) - 1);
      closer.countEnd = Math.max(closer.countEnd, later ?? Number.POSITIVE_INFINITY);
    }
    if (within !== null) closer.within.push(within);
  }
  return closer;
}

/**
 * The first run after a closer at which no rule keeps it: its buckets have left every count rule, and
 * every cut-off (including `within`'s, which keeps it until then anyway) has reached it. A month cut-off
 * can step back at a month's end (Go's normalisation: 03-31 − 1m = 03-03, 04-01 − 1m = 03-01), so the
 * first run past all of them is checked, not assumed.
 */
function closerExpiry(
  closer: Closer,
  withinAll: Duration | null,
  timeZone: string,
  next: (after: number) => number | null,
  windowEnd: number,
): number {
  // `within` keeps it until then anyway: start the search there.
  const notBefore = withinAll === null ? closer.countEnd : Math.max(closer.countEnd, firstInstantCutting(closer.run, withinAll, timeZone));
  return expiryUnderCutoffs(closer.run, closer.within, notBefore, timeZone, next, windowEnd);
}

/** The first instant at which a within-`d` cut-off reaches `c` (a snapshot taken at c is no longer newer). */
function firstInstantCutting(c: number, d: Duration, timeZone: string): number {
  const reaches = (x: number): boolean => subtractDuration(x, d, timeZone) >= c;
  const guess = addDuration(c, d, timeZone);
  const steady = d.months % 12 === 0 && offsetSteady(c, timeZone) && offsetSteady(guess, timeZone);
  if (steady && reaches(guess) && !reaches(guess - 1)) return guess;
  // Scan from the earliest the cut-off can reach c, an hour at a time, then halve the hour it does in.
  const span = durationSpanMs(d);
  const slack = 3 * 3_600_000;
  let hi = c + span.min - slack;
  while (!reaches(hi)) hi += 3_600_000;
  let lo = hi - 3_600_000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (reaches(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

function offsetSteady(instant: number, timeZone: string): boolean {
  const offset = offsetAt(instant, timeZone);
  return offsetAt(instant - 86_400_000, timeZone) === offset && offsetAt(instant + 86_400_000, timeZone) === offset;
}

/** A run interval [start, end): the oldest survivor is kept by restic's "oldest" rule alone. */
interface Interval {
  readonly start: number;
  readonly end: number;
}

interface Walk {
  readonly next: (after: number) => number | null;
  readonly previous: (before: number) => number | null;
  readonly windowEnd: number;
  readonly timeZone: string;
  readonly withinAll: Duration | null;
  readonly lastRuns: number;
}

/** Every duration cut-off of the rules: `within` and the withinHourly … withinYearly rules. */
function withinDurations(rules: RetentionRules): Duration[] {
  return (['within', ...WITHIN_RULES] as const).flatMap((rule) => {
    const d = rules[rule];
    return d !== undefined && !isZeroDuration(d) ? [d] : [];
  });
}

/**
 * restic keeps the oldest snapshot of the list under a duration rule as long as it is newer than that
 * rule's cut-off, whatever its bucket ("oldest yearly within 1y"). After a prune at every run, the
 * oldest survivor thus lives on until every duration cut-off has passed it; when it goes, the oldest of
 * the rest takes its place. This follows that chain from the first run and returns, in order, the runs
 * during which that rule alone keeps the oldest survivor (one snapshot at most at a time). The closers
 * given must reach back to what can be held when the first run goes (its normal end is given).
 */
function oldestSurvivorBonus(closers: readonly Closer[], cutoffs: readonly Duration[], walk: Walk, firstRun: number, firstNormalEnd: number): Interval[] {
  const { next, windowEnd, timeZone, withinAll } = walk;
  const byRun = new Map(closers.map((c) => [c.run, c]));
  // Runs kept by `within` never outlive it through the oldest rule when `within` reaches furthest.
  const withinAllReachesFurthest = withinAll !== null && cutoffs.every((d) => durationCovers(withinAll, d));
  const bonus: Interval[] = [];
  let scan = 0;
  for (let oldest: number | null = firstRun; oldest !== null; ) {
    const o = oldest;
    const normalEnd = o === firstRun ? firstNormalEnd : Math.max(byRun.get(o)?.expiry ?? Number.NEGATIVE_INFINITY, allRunsExpiry(o, walk));
    const coverEnd = expiryUnderCutoffs(o, cutoffs, Number.NEGATIVE_INFINITY, timeZone, next, windowEnd);
    const gone = Math.max(normalEnd, coverEnd);
    if (normalEnd < gone) bonus.push({ start: normalEnd, end: gone });
    if (!(gone <= windowEnd)) break;
    // The oldest survivor after the prune at `gone`: the oldest closer still kept, or the oldest run
    // `within`/`last` keep (the run `gone` itself at least).
    const floor = allRunsFloor(gone, walk);
    while (scan < closers.length && (closers[scan] as Closer).run <= o) scan += 1;
    while (scan < closers.length && (closers[scan] as Closer).run < floor && (closers[scan] as Closer).expiry <= gone) scan += 1;
    const candidate = closers[scan];
    if (candidate !== undefined && candidate.run < floor) {
      oldest = candidate.run;
      continue;
    }
    if (!withinAllReachesFurthest || byRun.has(floor)) {
      oldest = floor;
      continue;
    }
    // Only runs `within` keeps from here: they go in order, none kept longer by the oldest rule, until a
    // closer outlives its place among them. Jump to it.
    oldest = null;
    for (let i = scan; i < closers.length; i += 1) {
      const closer = closers[i] as Closer;
      if (closer.run >= floor && closer.expiry > allRunsExpiry(closer.run, walk)) {
        oldest = closer.run;
        scan = i;
        break;
      }
    }
  }
  return bonus;
}

/** The first run at which a run is no longer among those `within`/`last` keep (the next run without them). */
function allRunsExpiry(run: number, walk: Walk): number {
  const { next, windowEnd, timeZone, withinAll, lastRuns } = walk;
  let end = next(run) ?? Number.POSITIVE_INFINITY;
  if (withinAll !== null) end = Math.max(end, expiryUnderCutoffs(run, [withinAll], Number.NEGATIVE_INFINITY, timeZone, next, windowEnd));
  if (lastRuns > 0) {
    let later: number | null = run;
    for (let i = 0; i < lastRuns && later !== null && later <= windowEnd; i += 1) later = next(later);
    end = Math.max(end, later === null || later > windowEnd ? Number.POSITIVE_INFINITY : later);
  }
  return end;
}

/** The oldest run `within`/`last` keep at run t (t itself without them). */
function allRunsFloor(t: number, walk: Walk): number {
  const { next, previous, timeZone, withinAll, lastRuns } = walk;
  let floor = t;
  let kept = t;
  if (withinAll !== null) kept = Math.min(kept, next(subtractDuration(t, withinAll, timeZone)) ?? t);
  if (lastRuns > 0) {
    let back = t;
    for (let i = 1; i < lastRuns; i += 1) back = previous(back) ?? back;
    kept = Math.min(kept, back);
  }
  floor = Math.min(floor, kept);
  return floor;
}

/**
 * The first run, not before `notBefore`, at which every cut-off has reached `c` (so no duration rule
 * keeps a snapshot taken at c); +Infinity past the window.
 */
function expiryUnderCutoffs(
  c: number,
  cutoffs: readonly Duration[],
  notBefore: number,
  timeZone: string,
  next: (after: number) => number | null,
  windowEnd: number,
): number {
  let from = Math.max(c + 1, notBefore);
  for (const d of cutoffs) from = Math.max(from, firstInstantCutting(c, d, timeZone));
  if (!Number.isFinite(from) || from > windowEnd) return Number.POSITIVE_INFINITY;
  for (let run = next(from - 1); run !== null; run = next(run)) {
    if (run > windowEnd) return Number.POSITIVE_INFINITY;
    if (cutoffs.every((d) => subtractDuration(run, d, timeZone) >= c)) return run;
  }
  return Number.POSITIVE_INFINITY;
}

/** A binary min-heap of numbers. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): number {
    return this.items[0] as number;
  }

  push(value: number): void {
    const items = this.items;
    items.push(value);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as number) <= value) break;
      items[i] = items[parent] as number;
      i = parent;
    }
    items[i] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0] as number;
    const last = items.pop() as number;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && (items[right] as number) < (items[left] as number) ? right : left;
        if ((items[child] as number) >= last) break;
        items[i] = items[child] as number;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}
