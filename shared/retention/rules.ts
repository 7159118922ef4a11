// The retention rules restic's `forget` understands, as plain data, and the bucket each rule groups
// snapshots by. Shared by the engine, the policy schema, the floor check and the projections.

import type { Duration } from './duration.js';

export const COUNT_RULES = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export type CountRule = (typeof COUNT_RULES)[number];

export const WITHIN_RULES = [
  'withinHourly',
  'withinDaily',
  'withinWeekly',
  'withinMonthly',
  'withinYearly',
] as const;
export type WithinRule = (typeof WITHIN_RULES)[number];

/** The calendar unit each within-rule buckets by. */
export const WITHIN_BUCKET: Record<WithinRule, Exclude<CountRule, 'last'>> = {
  withinHourly: 'hourly',
  withinDaily: 'daily',
  withinWeekly: 'weekly',
  withinMonthly: 'monthly',
  withinYearly: 'yearly',
};

/**
 * A retention policy in restic's terms. Counts: N buckets, or -1 for unlimited; 0 or absent = rule off.
 * Durations are measured back from the newest snapshot that is not in the future.
 */
export interface RetentionRules {
  readonly last?: number;
  readonly hourly?: number;
  readonly daily?: number;
  readonly weekly?: number;
  readonly monthly?: number;
  readonly yearly?: number;
  readonly within?: Duration;
  readonly withinHourly?: Duration;
  readonly withinDaily?: Duration;
  readonly withinWeekly?: Duration;
  readonly withinMonthly?: Duration;
  readonly withinYearly?: Duration;
  /** A snapshot carrying every tag of any one inner list is kept. */
  readonly tags?: readonly (readonly string[])[];
}

/** True when no rule would keep anything (restic keeps everything then; we refuse such a policy). */
export function keepsNothing(rules: RetentionRules): boolean {
  const counts = COUNT_RULES.some((rule) => (rules[rule] ?? 0) !== 0);
  const durations = (['within', ...WITHIN_RULES] as const).some((rule) => {
    const d = rules[rule];
    return d !== undefined && (d.years !== 0 || d.months !== 0 || d.days !== 0 || d.hours !== 0);
  });
  return !counts && !durations && (rules.tags ?? []).length === 0;
}
