// restic's `forget` policy, exactly: which snapshots each rule keeps and why. Pure: the clock and the
// time zone are arguments, buckets are the calendar hour/day/ISO week/month/year on the zone's clock.

import { civilFromDays, isoWeek, MS, offsetAt } from '../time/zone.js';
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

/**
 * Bucket keys of snapshots, from their wall-clock time in the zone. Sorted input visits the same day
 * many times in a row, so the calendar part is remembered for the last day seen.
 */
function bucketKeyer(timeZone: string): (time: number) => Record<Bucket, number> {
  let lastDay = Number.NaN;
  let dayKeys = { daily: 0, weekly: 0, monthly: 0, yearly: 0 };
  return (time) => {
    const local = time + offsetAt(time, timeZone);
    const dayNumber = Math.floor(local / MS.day);
    if (dayNumber !== lastDay) {
      const { year, month, day } = civilFromDays(dayNumber);
      const week = isoWeek(year, month, day);
      dayKeys = { daily: year * 10_000 + month * 100 + day, weekly: week.year * 100 + week.week, monthly: year * 100 + month, yearly: year };
      lastDay = dayNumber;
    }
    const hour = Math.floor((local - dayNumber * MS.day) / MS.hour);
    return { hourly: dayKeys.daily * 100 + hour, ...dayKeys };
  };
}

function hasAllTags(snapshot: RetentionSnapshot, wanted: readonly string[]): boolean {
  const tags = snapshot.tags ?? [];
  return wanted.every((tag) => tags.includes(tag));
}

/**
 * Applies the rules to the snapshots. Within a rule, a snapshot is kept when it opens a bucket the rule
 * has not kept from yet (newest first), while the rule has budget; the oldest snapshot is also kept by
 * any count rule with budget left. Rules count independently; a snapshot's reasons list every rule
 * that kept it.
 */
export function applyPolicy<S extends RetentionSnapshot>(
  snapshots: readonly S[],
  rules: RetentionRules,
  clock: { readonly now: number; readonly timeZone: string },
): PolicyOutcome<S> {
  const list = sortNewestFirst(snapshots);
  // restic: the newest snapshot strictly before "now"; a stalled job therefore never shortens history.
  const latest = list.find((s) => s.time < clock.now)?.time ?? null;

  const cutoff = (d: Duration | undefined): number | null => {
    if (d === undefined || isZeroDuration(d)) return null;
    return latest === null ? Number.NEGATIVE_INFINITY : subtractDuration(latest, d, clock.timeZone);
  };

  const counters = COUNT_RULES.filter((rule) => (rules[rule] ?? 0) !== 0).map((rule) => ({
    rule,
    budget: rules[rule] ?? 0,
    last: null as number | null,
  }));
  const withins = WITHIN_RULES.flatMap((rule) => {
    const limit = cutoff(rules[rule]);
    return limit === null ? [] : [{ rule, bucket: WITHIN_BUCKET[rule], limit, last: null as number | null, label: formatDuration(rules[rule] as Duration) }];
  });
  const withinAll = cutoff(rules.within);
  const withinAllLabel = rules.within === undefined ? '' : formatDuration(rules.within);
  const needsBuckets = withins.length > 0 || counters.some((c) => c.rule !== 'last');
  const bucketKeys = bucketKeyer(clock.timeZone);

  const decisions = list.map((snapshot, nr): PolicyDecision<S> => {
    const reasons: string[] = [];
    const isOldest = nr === list.length - 1;
    for (const tagList of rules.tags ?? []) {
      if (hasAllTags(snapshot, tagList)) reasons.push(`has tags [${tagList.join(', ')}]`);
    }
    if (withinAll !== null && snapshot.time > withinAll) reasons.push(`within ${withinAllLabel}`);

    const keys = needsBuckets ? bucketKeys(snapshot.time) : null;
    for (const counter of counters) {
      if (counter.budget === 0) continue;
      const value = counter.rule === 'last' || keys === null ? nr : keys[counter.rule];
      if (value !== counter.last || isOldest) {
        reasons.push(value === counter.last ? `oldest ${COUNT_REASON[counter.rule]}` : COUNT_REASON[counter.rule]);
        counter.last = value;
        if (counter.budget > 0) counter.budget -= 1;
      }
    }
    for (const within of withins) {
      if (snapshot.time <= within.limit || keys === null) continue;
      const value = keys[within.bucket];
      if (value !== within.last || isOldest) {
        reasons.push(`${value === within.last ? 'oldest ' : ''}${within.bucket} within ${within.label}`);
        within.last = value;
      }
    }
    return { snapshot, reasons };
  });
  return { decisions, latest };
}
