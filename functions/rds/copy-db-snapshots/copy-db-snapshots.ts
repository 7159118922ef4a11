// Reconciles cross-region copies (plan.ts decides which and how): copies are requested oldest first
// until the in-flight cap is reached or a request fails; the rest wait for the next run. A request
// that finds the copy already there is success. It also reports how long our snapshots took (plan.ts:
// backupFigures), since it is the step RDS's "snapshot created" event starts.

import { CopyDBSnapshotCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { errorMessage, errorName, RunFailed } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { isAlreadyExists, translateRdsError } from '../../../shared/rds/errors.js';
import { listOwnedSnapshots } from '../../../shared/rds/snapshots.js';
import type { Log } from '../../../shared/runtime/log.js';
import { backupFigures, copyFailureAlert, copyRequest, planCopies, type BackupFigure, type SnapshotCreated } from './plan.js';

export interface CopyDeps {
  readonly policy: Policy;
  /** RDS in the primary region (the sources). */
  readonly source: RDSClient;
  /** RDS in the secondary region (the copies are made there). */
  readonly target: RDSClient;
  /** The key copies are encrypted with in the secondary region (alias, id or ARN). */
  readonly key: string;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
  /**
   * Gets our snapshots' durations (the one the triggering event says was created, those still creating)
   * before any copy is requested: a copy that fails does not lose them.
   */
  readonly measured: (backups: readonly BackupFigure[]) => void;
}

export interface CopyReport {
  readonly started: readonly string[];
  readonly inFlight: number;
  /** Sources still without a copy after this run (they wait for the next run). */
  readonly waiting: readonly string[];
}

/** `created`: the snapshot the triggering "manual snapshot created" event names, and when (null on a scheduled run). */
export async function copyDbSnapshots(deps: CopyDeps, created: SnapshotCreated | null = null): Promise<CopyReport> {
  const { policy } = deps;
  const ownership = { ownerTag: policy.tags.owner, policyName: policy.name };
  const sources = await listOwnedSnapshots(deps.source, ownership);
  deps.measured(backupFigures(policy, sources, created, deps.now()));
  const plan = planCopies(policy, sources, await listOwnedSnapshots(deps.target, ownership));
  let inFlight = plan.inFlight;
  const started: string[] = [];
  const alerts: Alert[] = [];

  for (const snapshot of plan.pending) {
    if (inFlight >= policy.rds.maxCopiesInFlight) {
      deps.log.info('copy limit reached: the rest wait for the next run', { inFlight, waiting: plan.pending.length - started.length });
      break;
    }
    const id = snapshot.DBSnapshotIdentifier ?? '';
    try {
      await deps.target.send(new CopyDBSnapshotCommand(copyRequest(snapshot, deps.key, deps.now())));
      started.push(id);
      inFlight += 1;
      deps.log.info('copy started', { snapshotId: id, from: policy.regions.primary, to: policy.regions.secondary, inFlight });
    } catch (raw) {
      if (isAlreadyExists(raw)) {
        deps.log.info('copy already exists: nothing to do', { snapshotId: id });
        continue;
      }
      const error = translateRdsError(raw);
      deps.log.warn('copy failed', { snapshotId: id, error: errorName(error), message: errorMessage(error) });
      alerts.push(copyFailureAlert(policy, snapshot, deps.key, error, deps.now()));
      break;
    }
  }

  for (const a of alerts) await deps.alerts.publish(a);
  const waiting = plan.pending.map((s) => s.DBSnapshotIdentifier ?? '').filter((id) => !started.includes(id));
  const failures = alerts.filter((a) => a.severity === 'critical');
  if (failures.length > 0) {
    throw new RunFailed(`copy run failed: ${failures.map((f) => f.summary).join('; ')}`, failures.map((f) => ({ resource: f.resource, error: f.kind })));
  }
  return { started, inFlight, waiting };
}
