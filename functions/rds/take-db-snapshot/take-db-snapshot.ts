// Takes the scheduled manual snapshot of each RDS instance of the run (shared/rds/snapshot-request.ts:
// the deterministic id, our tags, a bounded immediate retry of transient faults), one alert per instance
// that still fails; the other instances proceed. Its schedule covers the databases without a restore
// test: capture-db-manifest requests the snapshot of a restore-tested one itself, just after capturing
// the manifest before it. Run by hand for such a database, the snapshot gets no "before" manifest (a
// later run of capture-db-manifest for the same time finds it existing and stores none).

import type { RDSClient } from '@aws-sdk/client-rds';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { RunFailed } from '../../../shared/errors.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import { resolveScheduledRun, type ScheduledRunEvent } from '../../../shared/rds/events.js';
import { requestSnapshot, snapshotFailedAlert } from '../../../shared/rds/snapshot-request.js';
import type { Log } from '../../../shared/runtime/log.js';

export interface TakeSnapshotDeps {
  readonly policy: Policy;
  /** The primary region's RDS client. */
  readonly rds: RDSClient;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
  /** Attempts per instance for transient faults (throttling, 5xx) after the SDK's own retries. */
  readonly attempts?: number;
}

export type SnapshotOutcome =
  | { readonly resource: string; readonly snapshotId: string; readonly status: 'created' | 'already-exists' }
  | { readonly resource: string; readonly snapshotId: string; readonly status: 'failed'; readonly error: string; readonly message: string };

export async function takeDbSnapshots(deps: TakeSnapshotDeps, event: ScheduledRunEvent): Promise<SnapshotOutcome[]> {
  const { scheduledAt, databases } = resolveScheduledRun(event, deps.policy, deps.now());
  const outcomes: SnapshotOutcome[] = [];
  for (const db of databases) {
    const outcome = await requestSnapshot(deps, db, scheduledAt);
    outcomes.push(outcome.status === 'failed' ? outcome : { resource: outcome.resource, snapshotId: outcome.snapshotId, status: outcome.status });
  }

  const failures = outcomes.filter((o): o is Extract<SnapshotOutcome, { status: 'failed' }> => o.status === 'failed');
  for (const failure of failures) {
    const db = databases.find((d) => d.name === failure.resource) as DatabaseResource;
    await deps.alerts.publish(snapshotFailedAlert(deps.policy, db, failure, 'take-db-snapshot', deps.now()));
  }
  if (failures.length > 0) {
    throw new RunFailed(
      `${failures.length} of ${outcomes.length} snapshots failed: ${failures.map((f) => `${f.resource} (${f.error})`).join(', ')}`,
      failures.map((f) => ({ resource: f.resource, error: f.error })),
    );
  }
  return outcomes;
}
