// restic's `forget` policy, exactly: which snapshots each rule keeps and why. Pure: the clock and the
// time zone are arguments, buckets are the calendar hour/day/ISO week/month/year on the zone's clock.
// One walk over the list, newest first (PolicyWalk), shared with the expiry projection, which asks only
// kept-or-not at every future run; no closure, reasons array or bucket-key object per snapshot.

import { civilFromDays, daysFromCivil, MS, offsetAt } from '../time/zone.js';
import { sortNewestFirst } from './sort.js';
import { formatDuration, isZeroDuration, subtractDuration, type Duration } from './duration.js';
import { COUNT_RULES, WITHIN_BUCKET, WITHIN_RULES, type CountRule, type RetentionRules } from './rules.js';

export { sortNewestFirst } from './sort.js';

export interface RetentionSnapshot {
  readonly id: string;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly tags?: readonly string[];
}

export interface PolicyDecision<S extends RetentionSnapshot> {
  readonly snapshot: S;
  /** Empty when the policy removes the snapshot. */
  readonly reasons: readonly string[];
}

export interface PolicyOutcome<S extends RetentionSnapshot> {
  /** Every input snapshot, newest first (stable for equal instants). */
  readonly decisions: readonly PolicyDecision<S>[];
  /** The instant within-rules are measured back from; null when every snapshot is in the future. */
  readonly latest: number | null;
}

type Bucket = Exclude<CountRule, 'last'>;

const COUNT_REASON: Record<CountRule, string> = {
  last: 'last snapshot',
  hourly: 'hourly snapshot',
  daily: 'daily snapshot',
  weekly: 'weekly snapshot',
  monthly: 'monthly snapshot',
  yearly: 'yearly snapshot',
};

/** The reasons of every snapshot the policy removes: one shared, frozen empty list. */
const NO_REASONS: readonly string[] = Object.freeze([]);

type BucketKeys = Readonly<Record<Bucket, number>>;

/** Where a walk finds the bucket keys of an instant. */
export interface BucketKeySource {
  at(time: number): BucketKeys;
}

/** The bucket keys of the local day `dayNumber` (days since 1970-01-01 on the zone's clock), hour 0. */
function dayKeys(dayNumber: number, into: Record<Bucket, number>): void {
  const { year, month, day } = civilFromDays(dayNumber);
  // ISO week: the week (Monday to Sunday) belongs to the year its Thursday falls in.
  const thursday = dayNumber - ((((dayNumber + 3) % 7) + 7) % 7) + 3;
  const weekYear = civilFromDays(thursday).year;
  const week = Math.floor((thursday - daysFromCivil(weekYear, 1, 1)) / 7) + 1;
  into.daily = year * 10_000 + month * 100 + day;
  into.weekly = weekYear * 100 + week;
  into.monthly = year * 100 + month;
  into.yearly = year;
}

/**
 * Bucket keys of snapshots, from their wall-clock time in the zone, written into one object that each
 * call overwrites (read it before the next). Sorted input visits the same day many times in a row, so
 * the calendar part is remembered for the last day seen.
 */
export class BucketKeyer implements BucketKeySource {
  private readonly keys: Record<Bucket, number> = { hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 };
  private lastDay = Number.NaN;

  constructor(private readonly timeZone: string) {}

  at(time: number): BucketKeys {
    const keys = this.keys;
    const local = time + offsetAt(time, this.timeZone);
    const dayNumber = Math.floor(local / MS.day);
    if (dayNumber !== this.lastDay) {
      dayKeys(dayNumber, keys);
      this.lastDay = dayNumber;
    }
    keys.hourly = keys.daily * 100 + Math.floor((local - dayNumber * MS.day) / MS.hour);
    return keys;
  }
}

/** Bucket keys remembered per instant, for a list the policy is applied to again and again (the projection). */
export class RememberedBucketKeys implements BucketKeySource {
  private readonly known = new Map<number, BucketKeys>();
  private readonly keyer: BucketKeyer;

  constructor(timeZone: string) {
    this.keyer = new BucketKeyer(timeZone);
  }

  at(time: number): BucketKeys {
    let keys = this.known.get(time);
    if (keys === undefined) {
      keys = { ...this.keyer.at(time) };
      this.known.set(time, keys);
    }
    return keys;
  }
}

function hasAllTags(snapshot: RetentionSnapshot, wanted: readonly string[]): boolean {
  const tags = snapshot.tags ?? [];
  for (let i = 0; i < wanted.length; i += 1) {
    if (!tags.includes(wanted[i] as string)) return false;
  }
  return true;
}

/** restic: the newest snapshot strictly before "now" (of a list newest first); a stalled job therefore never shortens history. */
export function newestBefore(list: readonly RetentionSnapshot[], now: number): number | null {
  for (const snapshot of list) {
    if (snapshot.time < now) return snapshot.time;
  }
  return null;
}

interface Counter {
  readonly rule: CountRule;
  budget: number;
  last: number | null;
}

interface Within {
  readonly bucket: Bucket;
  readonly limit: number;
  readonly duration: Duration;
  /** The duration as reasons print it ("30d"), once the first reason needs it. */
  label: string | null;
  last: number | null;
}

/**
 * The rules applied to one list, newest first, one snapshot at a time: decide() the snapshot at index 0,
 * then 1, and so on (the count rules' budgets and every rule's last bucket carry over). Within a rule, a
 * snapshot is kept when it opens a bucket the rule has not kept from yet, while the rule has budget; the
 * oldest snapshot is also kept by any count rule with budget left. Rules count independently.
 */
export class PolicyWalk {
  private readonly counters: Counter[] = [];
  private readonly withins: Within[] = [];
  private readonly withinAll: number | null;
  private withinAllLabel: string | null = null;
  private readonly tagLists: readonly (readonly string[])[];
  /** Null when no rule looks at buckets. */
  private readonly keys: BucketKeySource | null;

  constructor(
    private readonly rules: RetentionRules,
    latest: number | null,
    timeZone: string,
    keys: BucketKeySource,
    /** Index of the oldest snapshot of the list. */
    private readonly oldest: number,
  ) {
    const cutoff = (d: Duration | undefined): number | null => {
      if (d === undefined || isZeroDuration(d)) return null;
      return latest === null ? Number.NEGATIVE_INFINITY : subtractDuration(latest, d, timeZone);
    };
    for (const rule of COUNT_RULES) {
      const budget = rules[rule] ?? 0;
      if (budget !== 0) this.counters.push({ rule, budget, last: null });
    }
    for (const rule of WITHIN_RULES) {
      const limit = cutoff(rules[rule]);
      if (limit !== null) this.withins.push({ bucket: WITHIN_BUCKET[rule], limit, duration: rules[rule] as Duration, label: null, last: null });
    }
    this.withinAll = cutoff(rules.within);
    this.tagLists = rules.tags ?? [];
    this.keys = this.withins.length > 0 || this.counters.some((c) => c.rule !== 'last') ? keys : null;
  }

  /** Whether the rules keep the snapshot at index `nr`; its reasons, in the rules' order, go to `reasons` if given. */
  decide(snapshot: RetentionSnapshot, nr: number, reasons: string[] | null): boolean {
    let kept = false;
    const isOldest = nr === this.oldest;
    // Indexed loops: this runs a million times, much of it before the optimiser has compiled it.
    for (let t = 0; t < this.tagLists.length; t += 1) {
      const tagList = this.tagLists[t] as readonly string[];
      if (hasAllTags(snapshot, tagList)) {
        kept = true;
        reasons?.push(`has tags [${tagList.join(', ')}]`);
      }
    }
    if (this.withinAll !== null && snapshot.time > this.withinAll) {
      kept = true;
      reasons?.push(`within ${(this.withinAllLabel ??= formatDuration(this.rules.within as Duration))}`);
    }

    const keys = this.keys === null ? null : this.keys.at(snapshot.time);
    for (let c = 0; c < this.counters.length; c += 1) {
      const counter = this.counters[c] as Counter;
      if (counter.budget === 0) continue;
      const value = counter.rule === 'last' || keys === null ? nr : keys[counter.rule];
      if (value !== counter.last || isOldest) {
        kept = true;
        reasons?.push(value === counter.last ? `oldest ${COUNT_REASON[counter.rule]}` : COUNT_REASON[counter.rule]);
        counter.last = value;
        if (counter.budget > 0) counter.budget -= 1;
      }
    }
    for (let w = 0; w < this.withins.length; w += 1) {
      const within = this.withins[w] as Within;
      if (snapshot.time <= within.limit || keys === null) continue;
      const value = keys[within.bucket];
      if (value !== within.last || isOldest) {
        kept = true;
        reasons?.push(`${value === within.last ? 'oldest ' : ''}${within.bucket} within ${(within.label ??= formatDuration(within.duration))}`);
        within.last = value;
      }
    }
    return kept;
  }
}

/**
 * Applies the rules to the snapshots: every snapshot with the reasons of every rule that kept it (none
 * when the policy removes it), newest first.
 */
export function applyPolicy<S extends RetentionSnapshot>(
  snapshots: readonly S[],
  rules: RetentionRules,
  clock: { readonly now: number; readonly timeZone: string },
): PolicyOutcome<S> {
  const list = sortNewestFirst(snapshots);
  const latest = newestBefore(list, clock.now);
  const walk = new PolicyWalk(rules, latest, clock.timeZone, new BucketKeyer(clock.timeZone), list.length - 1);
  // `reasons` is scratch space, copied only for a snapshot the policy keeps.
  const decisions: PolicyDecision<S>[] = [];
  const reasons: string[] = [];
  for (let nr = 0; nr < list.length; nr += 1) {
    const snapshot = list[nr] as S;
    reasons.length = 0;
    walk.decide(snapshot, nr, reasons);
    decisions.push({ snapshot, reasons: reasons.length === 0 ? NO_REASONS : reasons.slice() });
  }
  return { decisions, latest };
}
