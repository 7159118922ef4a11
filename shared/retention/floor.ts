// Compliance floors: the minimum history a tier must cover (e.g. yearly snapshots for 7 years). A
// policy below a floor is refused unless the policy carries an explicit, written override.

import { durationCovers, formatDuration, isZeroDuration, type Duration } from './duration.js';
import { WITHIN_BUCKET, WITHIN_RULES, type CountRule, type RetentionRules } from './rules.js';

export const FLOOR_TIERS = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export type FloorTier = (typeof FLOOR_TIERS)[number];
export type ComplianceFloor = Partial<Record<FloorTier, Duration>>;

const TIER_RANK: Record<FloorTier, number> = { hourly: 0, daily: 1, weekly: 2, monthly: 3, yearly: 4 };

/** The span N buckets of a tier reach back. */
function countSpan(tier: FloorTier, count: number): Duration {
  const zero = { years: 0, months: 0, days: 0, hours: 0 };
  if (tier === 'hourly') return { ...zero, hours: count };
  if (tier === 'daily') return { ...zero, days: count };
  if (tier === 'weekly') return { ...zero, days: 7 * count };
  if (tier === 'monthly') return { ...zero, months: count };
  return { ...zero, years: count };
}

/**
 * Does the policy keep snapshots of `tier` for at least `floor`? A rule of a finer tier counts too: a
 * snapshot kept daily for 8 years also gives one per year. `last` never counts (it says nothing of time).
 */
function covers(rules: RetentionRules, tier: FloorTier, floor: Duration): boolean {
  // A floor of zero asks for no history at all: every policy meets it.
  if (isZeroDuration(floor)) return true;
  if (rules.within !== undefined && durationCovers(rules.within, floor)) return true;
  for (const rule of WITHIN_RULES) {
    const span = rules[rule];
    if (span !== undefined && TIER_RANK[WITHIN_BUCKET[rule]] <= TIER_RANK[tier] && durationCovers(span, floor)) return true;
  }
  for (const countTier of FLOOR_TIERS) {
    const count = rules[countTier as CountRule] ?? 0;
    if (TIER_RANK[countTier] > TIER_RANK[tier] || count === 0) continue;
    if (count === -1 || durationCovers(countSpan(countTier, count), floor)) return true;
  }
  return false;
}

/** Human-readable violations, empty when the policy meets every floor. */
export function floorViolations(rules: RetentionRules, floor: ComplianceFloor): string[] {
  return FLOOR_TIERS.flatMap((tier) => {
    const minimum = floor[tier];
    if (minimum === undefined || covers(rules, tier, minimum)) return [];
    return [`${tier} snapshots must be kept for at least ${formatDuration(minimum)} (compliance floor)`];
  });
}
