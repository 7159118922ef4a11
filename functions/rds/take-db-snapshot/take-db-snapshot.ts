// Takes the scheduled manual snapshot of each RDS instance of the run (plan.ts decides which, with what
// id and tags): a bounded immediate retry of transient faults, one alert per instance that still fails;
// the other instances proceed.

import { CreateDBSnapshotCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { errorMessage, errorName, RunFailed } from '../../../shared/errors.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import { isAlreadyExists, translateRdsError } from '../../../shared/rds/errors.js';
import { resolveScheduledRun, type ScheduledRunEvent } from '../../../shared/rds/events.js';
import type { Log } from '../../../shared/runtime/log.js';
import { snapshotId } from '../../../shared/rds/naming.js';
import { actionFor, isPermanent, snapshotTags } from './plan.js';

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

async function snapshotOne(deps: TakeSnapshotDeps, db: DatabaseResource, scheduledAt: number): Promise<SnapshotOutcome> {
  const id = snapshotId(db.name, scheduledAt, deps.policy.timezone);
  const attempts = deps.attempts ?? 3;
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      const instance = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db.instanceId }))).DBInstances?.[0];
      const tags = snapshotTags(deps.policy, db, instance?.DBInstanceArn, deps.now(), scheduledAt);
      await deps.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db.instanceId, DBSnapshotIdentifier: id, Tags: tags }));
      deps.log.info('snapshot requested', { resource: db.name, snapshotId: id, attempt });
      return { resource: db.name, snapshotId: id, status: 'created' };
    } catch (error) {
      if (isAlreadyExists(error)) {
        deps.log.info('snapshot already exists: nothing to do', { resource: db.name, snapshotId: id });
        return { resource: db.name, snapshotId: id, status: 'already-exists' };
      }
      last = translateRdsError(error);
      deps.log.warn('snapshot attempt failed', { resource: db.name, snapshotId: id, attempt, error: errorName(last), message: errorMessage(last) });
      if (isPermanent(errorName(last))) break;
    }
  }
  return { resource: db.name, snapshotId: id, status: 'failed', error: errorName(last), message: errorMessage(last) };
}

export async function takeDbSnapshots(deps: TakeSnapshotDeps, event: ScheduledRunEvent): Promise<SnapshotOutcome[]> {
  const { scheduledAt, databases } = resolveScheduledRun(event, deps.policy, deps.now());
  const outcomes: SnapshotOutcome[] = [];
  for (const db of databases) outcomes.push(await snapshotOne(deps, db, scheduledAt));

  const failures = outcomes.filter((o): o is Extract<SnapshotOutcome, { status: 'failed' }> => o.status === 'failed');
  for (const failure of failures) {
    const db = databases.find((d) => d.name === failure.resource) as DatabaseResource;
    await deps.alerts.publish({
      severity: 'critical',
      kind: 'backup-failed',
      resource: failure.resource,
      region: deps.policy.regions.primary,
      summary: `snapshot failed: ${failure.error} (${failure.snapshotId})`,
      action: actionFor(failure.error, db),
      source: 'take-db-snapshot',
      at: deps.now(),
      details: { instance: db.instanceId, snapshotId: failure.snapshotId, error: failure.error, message: failure.message.slice(0, 500) },
    });
  }
  if (failures.length > 0) {
    throw new RunFailed(
      `${failures.length} of ${outcomes.length} snapshots failed: ${failures.map((f) => `${f.resource} (${f.error})`).join(', ')}`,
      failures.map((f) => ({ resource: f.resource, error: f.error })),
    );
  }
  return outcomes;
}
