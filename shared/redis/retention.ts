// Which of one cache's backups in one region a prune removes, pure. A backup is one snapshot name: in
// the primary the ElastiCache snapshot and its export objects in the primary's bucket, in the secondary
// the replicated export objects; they age together, by the time in their name. The retention plan
// (restic's rules, the legal hold, refusal to remove everything, compliance floors) plus the DR guards:
// in the primary a backup stays until its export is verified in the secondary (or pruned there with a
// newer one verified); in the secondary the
// newest verified export stays; a legal hold on either side holds both; a backup whose time cannot be
// read, or whose snapshot is not available yet, is never touched.

import type { RegionRole } from '../policy/resources.js';
import { retentionPolicyFor } from '../policy/resources.js';
import type { CacheResource, Policy } from '../policy/schema.js';
import { planRetention, type PlannedSnapshot, type RetentionPlan } from '../retention/plan.js';
import { instantFromWall } from '../time/zone.js';
import { PREFIX } from '../contracts.js';

/** What a prune knows of one backup (one snapshot name) in the region it prunes. */
export interface CacheBackup {
  readonly name: string;
  /** The ElastiCache snapshot's status (primary), absent when only export objects are left. */
  readonly snapshotStatus?: string;
  /** Its export objects in this region's bucket. */
  readonly keys: readonly string[];
  /** The snapshot's and the objects' tags, "key" or "key=value" (a legal hold on any of them holds it). */
  readonly tags: readonly string[];
  /** Its export in the secondary is whole and every object of it carries the secondary's verified mark. */
  readonly verifiedInSecondary: boolean;
  /** Some export object of it is in the secondary (verified or not). */
  readonly replicaPresent: boolean;
}

export interface CacheCandidate extends PlannedSnapshot {
  readonly backup: CacheBackup;
}

export const UNKNOWN_TIME_GUARD = 'time unknown: never deleted';
export const HELD_ELSEWHERE_GUARD = 'legal hold on its counterpart in the other region';
export const EXPORT_NOT_VERIFIED_GUARD = 'export in the secondary region not verified yet';
export const NEWEST_VERIFIED_GUARD = 'newest verified export';

export interface CachePruneInput {
  readonly policy: Policy;
  readonly role: RegionRole;
  readonly cache: CacheResource;
  readonly backups: readonly CacheBackup[];
  /** Names held (legal hold) in the other region. */
  readonly heldElsewhere: ReadonlySet<string>;
  readonly now: number;
}

/** The instant a backup's name gives ("backup-dr-app-redis-20261125-0600": 06:00 on the policy's clock), or null. */
export function backupTime(name: string, cacheName: string, timeZone: string): number | null {
  const match = new RegExp(`^${PREFIX.snapshot}-${cacheName}-(\\d{4})(\\d{2})(\\d{2})-(\\d{2})(\\d{2})$`).exec(name);
  if (match === null) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  return instantFromWall({ year, month, day, hour, minute }, timeZone);
}

export function planCachePrune(input: CachePruneInput): RetentionPlan<CacheCandidate> {
  const { policy, role, cache } = input;
  const known: CacheCandidate[] = [];
  const unknown: CacheCandidate[] = [];
  for (const backup of input.backups) {
    const time = backupTime(backup.name, cache.name, policy.timezone);
    const candidate = { id: backup.name, time: time ?? 0, tags: backup.tags, backup };
    (time === null ? unknown : known).push(candidate);
  }
  const notAvailable = (c: CacheCandidate) =>
    c.backup.snapshotStatus === undefined || c.backup.snapshotStatus === 'available' ? null : `snapshot not available (${c.backup.snapshotStatus})`;
  const heldElsewhere = (c: CacheCandidate) => (input.heldElsewhere.has(c.backup.name) ? HELD_ELSEWHERE_GUARD : null);
  let roleGuard: (c: CacheCandidate) => string | null;
  if (role === 'primary') {
    // A backup whose copy the secondary already pruned (its retention there may be shorter) is released
    // once the secondary holds a newer verified one: the DR region is never left without.
    const newestVerified = known.filter((c) => c.backup.verifiedInSecondary).reduce((t, c) => Math.max(t, c.time), Number.NEGATIVE_INFINITY);
    roleGuard = (c) => (c.backup.verifiedInSecondary || (!c.backup.replicaPresent && newestVerified > c.time) ? null : EXPORT_NOT_VERIFIED_GUARD);
  } else {
    const newest = known.filter((c) => c.backup.verifiedInSecondary).reduce<CacheCandidate | undefined>((best, c) => (best === undefined || c.time > best.time ? c : best), undefined);
    roleGuard = (c) => (c === newest ? NEWEST_VERIFIED_GUARD : null);
  }
  const plan = planRetention(known, retentionPolicyFor(policy, { kind: 'caches', name: cache.name, retention: cache.retention }, role), {
    now: input.now,
    legalHoldTags: [policy.tags.legalHold],
    extraGuards: [notAvailable, roleGuard, heldElsewhere],
  });
  if (unknown.length === 0) return plan;
  return { ...plan, keep: [...plan.keep, ...unknown.map((snapshot) => ({ snapshot, reasons: [], guards: [UNKNOWN_TIME_GUARD] }))] };
}
