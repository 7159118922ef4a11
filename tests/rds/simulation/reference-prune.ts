// The simulation's independent oracle: what one prune run must delete, written as plainly as possible
// from README ("Retention", "prune-db-snapshots") and restic's forget rules — on purpose without
// shared/retention or shared/rds, so a bug there cannot hide in the expectation. It knows only the
// team's kind of policy (within-rules on calendar buckets) and Tokyo (UTC+9 all year, no DST since 1951).

import type { StandInSnapshot } from '../../../sandbox/aws/rds-standin.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TOKYO = 9 * HOUR;

export interface Span {
  readonly years: number;
  readonly months: number;
  readonly days: number;
  readonly hours: number;
}

/** Only within-rules: each keeps the newest snapshot of every bucket newer than its cut-off. */
export interface ReferenceRules {
  readonly withinHourly?: Span;
  readonly withinDaily?: Span;
  readonly withinWeekly?: Span;
  readonly withinMonthly?: Span;
  readonly withinYearly?: Span;
}

/** The guards a prune applies on top of the policy (README), by the name the oracle counts them under. */
export type Guard = 'legal hold' | 'hold on the counterpart' | 'newest' | 'newest not in the future' | 'not available' | 'copy not verified' | 'newest verified copy' | 'unknown creation time';

export interface ReferenceDecision {
  /** Our snapshots of the database in the pruned region that the run must delete. */
  readonly remove: ReadonlySet<string>;
  /** The rest of them: kept by the policy (its rule names), by guards, or both. */
  readonly keep: ReadonlyMap<string, { readonly rules: readonly string[]; readonly guards: readonly Guard[] }>;
}

const tag = (s: StandInSnapshot, key: string) => s.tags.find((t) => t.Key === key)?.Value;

/** Tokyo wall clock of an instant, as UTC fields of a shifted Date. */
function tokyo(t: number): Date {
  return new Date(t + TOKYO);
}

/** ISO-8601 week "YYYY-Www" of a Tokyo calendar day: the week belongs to the year of its Thursday. */
function isoWeek(t: number): string {
  const day = tokyo(t);
  const midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  const thursday = new Date(midnight + (3 - ((day.getUTCDay() + 6) % 7)) * DAY);
  const firstOfYear = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  return `${thursday.getUTCFullYear()}-W${1 + Math.floor((thursday.getTime() - firstOfYear) / (7 * DAY))}`;
}

const BUCKET: Record<keyof ReferenceRules, (t: number) => string> = {
  withinHourly: (t) => tokyo(t).toISOString().slice(0, 13),
  withinDaily: (t) => tokyo(t).toISOString().slice(0, 10),
  withinWeekly: isoWeek,
  withinMonthly: (t) => tokyo(t).toISOString().slice(0, 7),
  withinYearly: (t) => tokyo(t).toISOString().slice(0, 4),
};

/** latest − span on the Tokyo calendar; Date.UTC overflows "02-31" into March just as Go's AddDate does. */
function cutoff(latest: number, span: Span): number {
  const w = tokyo(latest);
  const wall = Date.UTC(w.getUTCFullYear() - span.years, w.getUTCMonth() - span.months, w.getUTCDate() - span.days, w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds(), w.getUTCMilliseconds());
  return wall - TOKYO - span.hours * HOUR;
}

/**
 * restic's forget with within-rules: newest first; the cut-off is measured back from the newest snapshot
 * before `now`; a rule keeps a snapshot newer than its cut-off when it opens a bucket the rule has not
 * kept from yet — and the oldest snapshot of all, if it is newer than the cut-off.
 */
export function referenceRules(snapshots: readonly { id: string; time: number }[], rules: ReferenceRules, now: number): Map<string, string[]> {
  const list = [...snapshots].sort((a, b) => b.time - a.time);
  const latest = list.find((s) => s.time < now)?.time;
  const kept = new Map<string, string[]>(list.map((s) => [s.id, []]));
  for (const [rule, span] of Object.entries(rules) as [keyof ReferenceRules, Span | undefined][]) {
    if (span === undefined) continue;
    const limit = latest === undefined ? Number.NEGATIVE_INFINITY : cutoff(latest, span);
    let lastBucket: string | undefined;
    list.forEach((s, i) => {
      if (s.time <= limit) return;
      const bucket = BUCKET[rule](s.time);
      if (bucket !== lastBucket || i === list.length - 1) {
        kept.get(s.id)?.push(rule);
        lastBucket = bucket;
      }
    });
  }
  return kept;
}

export interface Setting {
  readonly role: 'primary' | 'secondary';
  readonly database: string;
  readonly policyName: string;
  readonly holdKey: string;
  readonly rules: ReferenceRules;
  readonly now: number;
}

const isOurs = (s: StandInSnapshot, policyName: string) => s.type === 'manual' && tag(s, 'backup-dr:owner') === 'backup-dr' && tag(s, 'backup-dr:policy') === policyName;
const sourceOf = (copy: StandInSnapshot) => tag(copy, 'backup-dr:copy-of') ?? copy.sourceArn;
const held = (s: StandInSnapshot, holdKey: string) => s.tags.some((t) => t.Key?.toLowerCase() === holdKey.toLowerCase());
const verified = (copy: StandInSnapshot) => copy.status === 'available' && tag(copy, 'backup-dr:verified-at') !== undefined && tag(copy, 'backup-dr:verification-failed') === undefined;

/**
 * One prune run of `setting.role`'s region, given everything in both regions as the run saw it. Our
 * snapshots of the database (originals in the primary, copies in the secondary) are candidates; the rest
 * — others' snapshots, another policy's, ours of a database the policy no longer has — is never touched.
 */
export function referencePrune(setting: Setting, regions: { readonly primary: readonly StandInSnapshot[]; readonly secondary: readonly StandInSnapshot[] }): ReferenceDecision {
  const { role, holdKey } = setting;
  const tier = role === 'primary' ? 'primary' : 'copy';
  const mine = regions[role].filter((s) => isOurs(s, setting.policyName) && tag(s, 'backup-dr:resource') === setting.database && (tag(s, 'backup-dr:tier') ?? 'primary') === tier);
  const others = regions[role === 'primary' ? 'secondary' : 'primary'].filter((s) => isOurs(s, setting.policyName));
  // When the data was taken: RDS reports it on an available snapshot and on any copy; while a snapshot is
  // being created (or once it failed) only our created-at tag says when it was requested.
  const timeOf = (s: StandInSnapshot): number | null => {
    if (s.status === 'available' || s.sourceArn !== undefined) return s.originalCreateTime;
    const tagged = Date.parse(tag(s, 'backup-dr:created-at') ?? '');
    return Number.isNaN(tagged) ? null : tagged;
  };
  const known = mine.filter((s) => timeOf(s) !== null);
  const rules = referenceRules(known.map((s) => ({ id: s.id, time: timeOf(s) as number })), setting.rules, setting.now);
  const newestFirst = [...known].sort((a, b) => (timeOf(b) as number) - (timeOf(a) as number));
  const newest = newestFirst[0];
  const newestPast = newestFirst.find((s) => (timeOf(s) as number) < setting.now);
  const newestVerified = role === 'secondary' ? newestFirst.find(verified) : undefined;

  const keep = new Map<string, { rules: string[]; guards: Guard[] }>();
  const remove = new Set<string>();
  for (const s of mine) {
    const guards: Guard[] = [];
    if (timeOf(s) === null) guards.push('unknown creation time');
    if (held(s, holdKey)) guards.push('legal hold');
    // The counterpart: the copies of an original, or the original of a copy.
    const counterparts = role === 'primary' ? others.filter((c) => sourceOf(c) === s.arn) : others.filter((o) => o.arn === sourceOf(s));
    if (!held(s, holdKey) && counterparts.some((c) => held(c, holdKey))) guards.push('hold on the counterpart');
    if (s === newest) guards.push('newest');
    else if (s === newestPast) guards.push('newest not in the future');
    if (s.status !== 'available') guards.push('not available');
    if (role === 'primary' && !counterparts.some(verified)) guards.push('copy not verified');
    if (s === newestVerified) guards.push('newest verified copy');
    const byRules = rules.get(s.id) ?? [];
    if (byRules.length > 0 || guards.length > 0) keep.set(s.id, { rules: byRules, guards });
    else remove.add(s.id);
  }
  return { remove, keep };
}
