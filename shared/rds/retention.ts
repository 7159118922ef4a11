// Which of one database's snapshots in one region a prune removes, pure: the retention plan over the
// snapshots we own there, plus the DR guards — in the primary a snapshot stays until its copy in the
// secondary region is verified; in the secondary the newest verified copy stays; nothing not yet
// available is touched. Shared by prune-db-snapshots and the posture check's "prune backlog".

import type { DBSnapshot } from '@aws-sdk/client-rds';
import { retentionPolicyFor, type RegionRole } from '../policy/load.js';
import type { DatabaseResource, Policy } from '../policy/schema.js';
import { planRetention, type PlannedSnapshot, type RetentionPlan } from '../retention/plan.js';
import { tagStrings } from '../tags.js';
import { isVerified, takenAt, verifiedSources } from './snapshots.js';

export interface Candidate extends PlannedSnapshot {
  readonly snapshot: DBSnapshot;
}

function asCandidate(snapshot: DBSnapshot): Candidate {
  return { id: snapshot.DBSnapshotIdentifier ?? '', time: takenAt(snapshot), tags: tagStrings(snapshot.TagList), snapshot };
}

export interface PrunePlanInput {
  readonly policy: Policy;
  readonly role: RegionRole;
  readonly db: DatabaseResource;
  /** This database's snapshots of ours in the region being pruned. */
  readonly mine: readonly DBSnapshot[];
  /** In the primary: our copies in the secondary region (all databases). Unused in the secondary. */
  readonly copies: readonly DBSnapshot[];
  readonly now: number;
}

export function planPrune(input: PrunePlanInput): RetentionPlan<Candidate> {
  const { policy, role, db, mine } = input;
  const notAvailable = (c: Candidate) => (c.snapshot.Status === 'available' ? null : `not available yet (${c.snapshot.Status ?? 'unknown'})`);
  let roleGuard: (c: Candidate) => string | null;
  if (role === 'primary') {
    const verified = verifiedSources(input.copies);
    roleGuard = (c) => (verified.has(c.snapshot.DBSnapshotArn) ? null : 'copy in the secondary region not verified yet');
  } else {
    const newestVerified = mine.filter(isVerified).reduce<DBSnapshot | undefined>((best, s) => (best === undefined || takenAt(s) > takenAt(best) ? s : best), undefined);
    roleGuard = (c) => (c.snapshot === newestVerified ? 'newest verified copy' : null);
  }
  return planRetention(mine.map(asCandidate), retentionPolicyFor(policy, { kind: 'databases', name: db.name, retention: db.retention }, role), {
    now: input.now,
    legalHoldTags: [policy.tags.legalHold],
    extraGuards: [notAvailable, roleGuard],
  });
}
