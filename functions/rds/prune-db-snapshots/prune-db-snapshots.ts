// Prunes our manual DB snapshots in one region by the policy's retention (restic's rules), deleting
// only what the plan removes and only when it is safe: in the primary region a snapshot goes only once
// its copy in the secondary region is verified; in the secondary region the newest verified copy
// always stays; legal holds and snapshots not yet available are never touched. Dry-run only reports.

import { DeleteDBSnapshotCommand, type DBSnapshot, type RDSClient } from '@aws-sdk/client-rds';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { errorMessage, errorName, RunFailed } from '../../../shared/errors.js';
import type { RegionRole } from '../../../shared/policy/resources.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import { isSnapshotNotFound } from '../../../shared/rds/errors.js';
import { planPrune } from '../../../shared/rds/retention.js';
import { listOwnedSnapshots, snapshotsOf } from '../../../shared/rds/snapshots.js';
import type { Log } from '../../../shared/runtime/log.js';
import { pruneActions, pruneFailureAlert } from './plan.js';

export interface PruneDeps {
  readonly policy: Policy;
  readonly role: RegionRole;
  /** RDS in the region being pruned. */
  readonly rds: RDSClient;
  /**
   * RDS in the other region: the primary needs its copies (a source goes only once its copy is verified),
   * both need the counterparts' legal holds. If it cannot be read, nothing is deleted.
   */
  readonly peer: RDSClient;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface PruneDecision {
  readonly resource: string;
  readonly deleted: readonly string[];
  readonly wouldDelete: readonly string[];
  readonly kept: readonly { id: string; reasons: readonly string[]; guards: readonly string[] }[];
}

async function pruneDatabase(deps: PruneDeps, db: DatabaseResource, mine: readonly DBSnapshot[], counterparts: readonly DBSnapshot[]): Promise<PruneDecision> {
  const { policy } = deps;
  const region = policy.regions[deps.role];
  const actions = pruneActions(planPrune({ policy, role: deps.role, db, mine, counterparts, now: deps.now() }), policy.dryRun);
  for (const r of actions.wouldDelete) deps.log.info('dry run: would delete snapshot', { resource: db.name, region, snapshotId: r.snapshot.id, reason: r.reasons.join('; ') });
  const deleted: string[] = [];
  for (const r of actions.delete) {
    try {
      await deps.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: r.snapshot.id }));
      deps.log.info('deleted snapshot', { resource: db.name, region, snapshotId: r.snapshot.id, created: new Date(r.snapshot.time).toISOString(), reason: r.reasons.join('; ') });
      deleted.push(r.snapshot.id);
    } catch (error) {
      if (!isSnapshotNotFound(error)) throw error;
      deps.log.info('snapshot already gone', { resource: db.name, region, snapshotId: r.snapshot.id });
    }
  }
  return { resource: db.name, deleted, wouldDelete: actions.wouldDelete.map((r) => r.snapshot.id), kept: actions.kept };
}

export async function pruneDbSnapshots(deps: PruneDeps): Promise<PruneDecision[]> {
  const { policy } = deps;
  const region = policy.regions[deps.role];
  const ownership = { ownerTag: policy.tags.owner, policyName: policy.name };
  const owned = await listOwnedSnapshots(deps.rds, ownership);
  const decisions: PruneDecision[] = [];
  let counterparts: DBSnapshot[] | undefined;
  const failures: { resource: string; error: string }[] = [];
  for (const db of policy.resources.databases) {
    const mine = snapshotsOf(db, deps.role, owned);
    try {
      // The other region must be readable (verified copies, legal holds): if it cannot be, nothing is deleted.
      counterparts ??= await listOwnedSnapshots(deps.peer, ownership);
      decisions.push(await pruneDatabase(deps, db, mine, counterparts));
    } catch (error) {
      failures.push({ resource: db.name, error: errorName(error) });
      deps.log.error('prune failed', { resource: db.name, region, error: errorName(error), message: errorMessage(error) });
      await deps.alerts.publish(pruneFailureAlert(db.name, region, error, deps.now()));
    }
  }
  if (failures.length > 0) throw new RunFailed(`prune failed for ${failures.map((f) => f.resource).join(', ')}`, failures);
  return decisions;
}
