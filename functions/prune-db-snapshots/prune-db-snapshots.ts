// Prunes our manual DB snapshots in one region by the policy's retention (restic's rules), deleting
// only what the plan removes and only when it is safe: in the primary region a snapshot goes only once
// its copy in the secondary region is verified; in the secondary region the newest verified copy
// always stays; legal holds and snapshots not yet available are never touched. Dry-run only reports.

import { DeleteDBSnapshotCommand, type DBSnapshot, type RDSClient } from '@aws-sdk/client-rds';
import type { AlertSink } from '../../shared/alerts/alert.js';
import { errorMessage, errorName, isSnapshotNotFound } from '../../shared/aws/rds-errors.js';
import { listOwnedSnapshots } from '../../shared/aws/rds-snapshots.js';
import { RetentionRefused, RunFailed } from '../../shared/errors.js';
import { retentionPolicyFor, type RegionRole } from '../../shared/policy/load.js';
import type { DatabaseResource, Policy } from '../../shared/policy/schema.js';
import { planRetention, type PlannedSnapshot } from '../../shared/retention/plan.js';
import type { Log } from '../../shared/runtime/log.js';
import { TAG, tagStrings, tagValue } from '../../shared/tags.js';
import { copySourceArn } from '../copy-db-snapshots/copy-db-snapshots.js';

export interface PruneDeps {
  readonly policy: Policy;
  readonly role: RegionRole;
  /** RDS in the region being pruned. */
  readonly rds: RDSClient;
  /** RDS in the other region (the primary's copies live there; the secondary needs nothing from it). */
  readonly peer: RDSClient;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

interface Candidate extends PlannedSnapshot {
  readonly snapshot: DBSnapshot;
}

export interface PruneDecision {
  readonly resource: string;
  readonly deleted: readonly string[];
  readonly wouldDelete: readonly string[];
  readonly kept: readonly { id: string; reasons: readonly string[]; guards: readonly string[] }[];
}

/** When the data was captured: a copy's own create time is when it was copied, not when it was taken. */
function takenAt(snapshot: DBSnapshot): number {
  const reported = (snapshot.OriginalSnapshotCreateTime ?? snapshot.SnapshotCreateTime)?.getTime();
  if (reported !== undefined) return reported;
  // RDS omits the create time while a snapshot is being created; our tag says when it was requested.
  const tagged = Date.parse(tagValue(snapshot.TagList, TAG.createdAt) ?? '');
  return Number.isNaN(tagged) ? 0 : tagged;
}

function asCandidate(snapshot: DBSnapshot): Candidate {
  return {
    id: snapshot.DBSnapshotIdentifier ?? '',
    time: takenAt(snapshot),
    tags: tagStrings(snapshot.TagList),
    snapshot,
  };
}

/** Guards specific to the region's role, on top of the engine's own (legal hold, newest). */
async function roleGuards(deps: PruneDeps, mine: readonly DBSnapshot[]): Promise<((c: Candidate) => string | null)[]> {
  const notAvailable = (c: Candidate) => (c.snapshot.Status === 'available' ? null : `not available yet (${c.snapshot.Status ?? 'unknown'})`);
  const ownership = { ownerTag: deps.policy.tags.owner, policyName: deps.policy.name };
  if (deps.role === 'primary') {
    // Reading the copies must succeed: if the secondary region cannot be read, nothing is deleted.
    const copies = await listOwnedSnapshots(deps.peer, ownership);
    const verified = new Set(copies.filter((c) => tagValue(c.TagList, TAG.verifiedAt) !== undefined).map(copySourceArn));
    return [notAvailable, (c) => (verified.has(c.snapshot.DBSnapshotArn) ? null : 'copy in the secondary region not verified yet')];
  }
  const newestVerified = mine
    .filter((s) => tagValue(s.TagList, TAG.verifiedAt) !== undefined)
    .reduce<DBSnapshot | undefined>((best, s) => (best === undefined || takenAt(s) > takenAt(best) ? s : best), undefined);
  return [notAvailable, (c) => (c.snapshot === newestVerified ? 'newest verified copy' : null)];
}

async function pruneDatabase(deps: PruneDeps, db: DatabaseResource, mine: readonly DBSnapshot[]): Promise<PruneDecision> {
  const { policy } = deps;
  const region = policy.regions[deps.role];
  const candidates = mine.map(asCandidate);
  const plan = planRetention(candidates, retentionPolicyFor(policy, { kind: 'databases', name: db.name, retention: db.retention }, deps.role), {
    now: deps.now(),
    legalHoldTags: [policy.tags.legalHold],
    extraGuards: await roleGuards(deps, mine),
  });
  const kept = plan.keep.map((k) => ({ id: k.snapshot.id, reasons: k.reasons, guards: k.guards }));
  if (policy.dryRun) {
    for (const r of plan.remove) deps.log.info('dry run: would delete snapshot', { resource: db.name, region, snapshotId: r.snapshot.id, reason: r.reasons.join('; ') });
    return { resource: db.name, deleted: [], wouldDelete: plan.remove.map((r) => r.snapshot.id), kept };
  }
  const deleted: string[] = [];
  for (const r of plan.remove) {
    try {
      await deps.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: r.snapshot.id }));
      deps.log.info('deleted snapshot', { resource: db.name, region, snapshotId: r.snapshot.id, created: new Date(r.snapshot.time).toISOString(), reason: r.reasons.join('; ') });
      deleted.push(r.snapshot.id);
    } catch (error) {
      if (!isSnapshotNotFound(error)) throw error;
      deps.log.info('snapshot already gone', { resource: db.name, region, snapshotId: r.snapshot.id });
    }
  }
  return { resource: db.name, deleted, wouldDelete: [], kept };
}

export async function pruneDbSnapshots(deps: PruneDeps): Promise<PruneDecision[]> {
  const { policy } = deps;
  const region = policy.regions[deps.role];
  const tier = deps.role === 'primary' ? 'primary' : 'copy';
  const owned = await listOwnedSnapshots(deps.rds, { ownerTag: policy.tags.owner, policyName: policy.name });
  const decisions: PruneDecision[] = [];
  const failures: { resource: string; error: string }[] = [];
  for (const db of policy.resources.databases) {
    const mine = owned.filter((s) => tagValue(s.TagList, TAG.resource) === db.name && (tagValue(s.TagList, TAG.tier) ?? 'primary') === tier);
    try {
      decisions.push(await pruneDatabase(deps, db, mine));
    } catch (error) {
      const refused = error instanceof RetentionRefused;
      failures.push({ resource: db.name, error: errorName(error) });
      deps.log.error('prune failed', { resource: db.name, region, error: errorName(error), message: errorMessage(error) });
      await deps.alerts.publish({
        severity: 'critical',
        kind: refused ? 'prune-refused' : 'prune-failed',
        resource: db.name,
        region,
        summary: refused ? `prune refused: ${errorMessage(error)}` : `prune failed: ${errorName(error)}`,
        action: refused
          ? 'Nothing was deleted. Fix the retention of this resource in backup-policy.yml (npx backup-dr policy check) and redeploy.'
          : 'Nothing more was deleted for this resource. Read the prune-db-snapshots logs; the next daily run retries. Watch the manual-snapshot quota meanwhile.',
        source: 'prune-db-snapshots',
        at: deps.now(),
        details: { error: errorName(error), message: errorMessage(error).slice(0, 500) },
      });
    }
  }
  if (failures.length > 0) throw new RunFailed(`prune failed for ${failures.map((f) => f.resource).join(', ')}`, failures);
  return decisions;
}
