// Which of one database's snapshots in one region a prune removes, pure: the retention plan over the
// snapshots we own there, plus the DR guards — in the primary a snapshot stays until its copy in the
// secondary region is verified (available, verified, not marked failed); in the secondary the newest
// verified copy stays; a legal hold or an anomaly quarantine on either side holds both the snapshot and
// its counterpart; a snapshot whose time cannot be known, or that is not available yet, is never touched. Shared by
// prune-db-snapshots and the posture check's "prune backlog".

import type { DBSnapshot } from '@aws-sdk/client-rds';
import { retentionPolicyFor, type RegionRole } from '../policy/resources.js';
import type { DatabaseResource, Policy } from '../policy/schema.js';
import { planRetention, type PlannedSnapshot, type RetentionPlan } from '../retention/plan.js';
import { TAG } from '../contracts.js';
import { isUnderHold, tagStrings, tagValue } from '../tags.js';
import { copySourceArn, isVerified, takenAt, verifiedSources } from './snapshots.js';

export interface Candidate extends PlannedSnapshot {
  readonly snapshot: DBSnapshot;
}

export const UNKNOWN_TIME_GUARD = 'creation time unknown: never deleted';
export const HELD_ELSEWHERE_GUARD = 'legal hold on its counterpart in the other region';
export const QUARANTINE_GUARD = 'quarantined: an anomaly was found after it';

export interface PrunePlanInput {
  readonly policy: Policy;
  readonly role: RegionRole;
  readonly db: DatabaseResource;
  /** This database's snapshots of ours in the region being pruned. */
  readonly mine: readonly DBSnapshot[];
  /** Our snapshots in the other region (all databases): the copies, seen from the primary; the originals, from the secondary. */
  readonly counterparts: readonly DBSnapshot[];
  readonly now: number;
}

/** Sources (by ARN) whose snapshot or copy is held (`hold`): a hold on either side holds both. */
function heldSources(hold: (s: DBSnapshot) => boolean, role: RegionRole, mine: readonly DBSnapshot[], counterparts: readonly DBSnapshot[]): Set<string> {
  const held = new Set<string>();
  const [originals, copies] = role === 'primary' ? [mine, counterparts] : [counterparts, mine];
  for (const s of originals) if (hold(s) && s.DBSnapshotArn !== undefined) held.add(s.DBSnapshotArn);
  for (const c of copies) {
    const source = copySourceArn(c);
    if (hold(c) && source !== undefined) held.add(source);
  }
  return held;
}

export function planPrune(input: PrunePlanInput): RetentionPlan<Candidate> {
  const { policy, role, db, mine } = input;
  const known: Candidate[] = [];
  const unknown: Candidate[] = [];
  for (const snapshot of mine) {
    const time = takenAt(snapshot);
    const candidate = { id: snapshot.DBSnapshotIdentifier ?? '', time: time ?? 0, tags: tagStrings(snapshot.TagList), snapshot };
    (time === null ? unknown : known).push(candidate);
  }
  const sourceArn = (c: Candidate) => (role === 'primary' ? c.snapshot.DBSnapshotArn : copySourceArn(c.snapshot));
  const legalHold = (s: DBSnapshot) => isUnderHold(s.TagList, policy.tags.legalHold);
  const quarantine = (s: DBSnapshot) => tagValue(s.TagList, TAG.quarantine) !== undefined;
  const held = heldSources(legalHold, role, mine, input.counterparts);
  const quarantined = heldSources(quarantine, role, mine, input.counterparts);
  const notAvailable = (c: Candidate) => (c.snapshot.Status === 'available' ? null : `not available yet (${c.snapshot.Status ?? 'unknown'})`);
  const heldElsewhere = (c: Candidate) => (held.has(sourceArn(c) ?? '') && !legalHold(c.snapshot) ? HELD_ELSEWHERE_GUARD : null);
  const inQuarantine = (c: Candidate) => (quarantined.has(sourceArn(c) ?? '') ? QUARANTINE_GUARD : null);
  let roleGuard: (c: Candidate) => string | null;
  if (role === 'primary') {
    const verified = verifiedSources(input.counterparts);
    roleGuard = (c) => (verified.has(c.snapshot.DBSnapshotArn) ? null : 'copy in the secondary region not verified yet');
  } else {
    const newestVerified = known.filter((c) => isVerified(c.snapshot)).reduce<Candidate | undefined>((best, c) => (best === undefined || c.time > best.time ? c : best), undefined);
    roleGuard = (c) => (c === newestVerified ? 'newest verified copy' : null);
  }
  const plan = planRetention(known, retentionPolicyFor(policy, { kind: 'databases', name: db.name, retention: db.retention }, role), {
    now: input.now,
    legalHoldTags: [policy.tags.legalHold],
    extraGuards: [notAvailable, roleGuard, heldElsewhere, inQuarantine],
  });
  if (unknown.length === 0) return plan;
  return { ...plan, keep: [...plan.keep, ...unknown.map((snapshot) => ({ snapshot, reasons: [], guards: [UNKNOWN_TIME_GUARD] }))] };
}
