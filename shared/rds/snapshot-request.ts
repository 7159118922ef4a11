// Requesting the scheduled manual snapshot of one database, as take-db-snapshot and capture-db-manifest
// both do (the latter between its two captures): the deterministic id from the scheduled time, our tags,
// a bounded immediate retry of transient faults, "already exists" as success (a duplicate or retried
// event is a no-op), and the alert a person gets when it still fails.

import { CreateDBSnapshotCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { Alert } from '../alerts/alert.js';
import { OWNER_VALUE, TAG, TIER } from '../contracts.js';
import { errorMessage, errorName } from '../errors.js';
import type { DatabaseResource, Policy } from '../policy/schema.js';
import type { Log } from '../runtime/log.js';
import { toAwsTags } from '../tags.js';
import { isAlreadyExists, translateRdsError } from './errors.js';
import { snapshotId } from './naming.js';

/** The tags of a new snapshot: ours, which database, from which instance, when requested and scheduled. */
export function snapshotTags(policy: Policy, db: DatabaseResource, instanceArn: string | undefined, requestedAt: number, scheduledAt: number): { Key: string; Value: string }[] {
  return toAwsTags({
    [policy.tags.owner]: OWNER_VALUE,
    [TAG.policy]: policy.name,
    [TAG.resource]: db.name,
    [TAG.sourceArn]: instanceArn ?? db.instanceId,
    [TAG.createdAt]: new Date(requestedAt).toISOString(),
    [TAG.scheduledAt]: new Date(scheduledAt).toISOString(),
    [TAG.tier]: TIER.primary,
  });
}

/** Failures that another attempt right away cannot fix. */
const PERMANENT = new Set(['InstanceNotReady', 'InstanceNotFound', 'SnapshotQuotaExceeded', 'KmsKeyNotAccessible', 'ConfigurationError']);
export const isPermanent = (errorName: string): boolean => PERMANENT.has(errorName);

/** What a person should do about a snapshot that could not be taken; `rerun` names the function to run again. */
export function actionFor(error: string, db: DatabaseResource, rerun = 'take-db-snapshot'): string {
  switch (error) {
    case 'InstanceNotReady':
      return `Check the state of DB instance ${db.instanceId} (a stopped or modifying instance cannot be snapshotted); start it or wait, then re-run ${rerun} with {"resources":["${db.name}"]}.`;
    case 'InstanceNotFound':
      return `DB instance ${db.instanceId} does not exist in this region: fix instanceId of "${db.name}" in backup-policy.yml or restore the instance.`;
    case 'SnapshotQuotaExceeded':
      return 'The region has reached its manual DB snapshot quota: check that prune-db-snapshots runs, delete unneeded manual snapshots or request a quota increase, then re-run.';
    default:
      return `Read the ${rerun} logs; re-run with {"resources":["${db.name}"]} once the cause is fixed.`;
  }
}

export type SnapshotOutcome =
  | { readonly resource: string; readonly snapshotId: string; readonly status: 'created' | 'already-exists'; readonly requestedAt: number }
  | { readonly resource: string; readonly snapshotId: string; readonly status: 'failed'; readonly error: string; readonly message: string };

export interface SnapshotRequestDeps {
  readonly policy: Policy;
  /** The primary region's RDS client. */
  readonly rds: RDSClient;
  readonly log: Log;
  readonly now: () => number;
  /** Attempts per instance for transient faults (throttling, 5xx) after the SDK's own retries. */
  readonly attempts?: number;
}

/** Requests the snapshot of `db` for `scheduledAt`; never throws for an RDS fault (the outcome says it). */
export async function requestSnapshot(deps: SnapshotRequestDeps, db: DatabaseResource, scheduledAt: number): Promise<SnapshotOutcome> {
  const id = snapshotId(db.name, scheduledAt, deps.policy.timezone);
  const attempts = deps.attempts ?? 3;
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      const instance = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db.instanceId }))).DBInstances?.[0];
      const requestedAt = deps.now();
      const tags = snapshotTags(deps.policy, db, instance?.DBInstanceArn, requestedAt, scheduledAt);
      await deps.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db.instanceId, DBSnapshotIdentifier: id, Tags: tags }));
      deps.log.info('snapshot requested', { resource: db.name, snapshotId: id, attempt });
      return { resource: db.name, snapshotId: id, status: 'created', requestedAt };
    } catch (error) {
      if (isAlreadyExists(error)) {
        deps.log.info('snapshot already exists: nothing to do', { resource: db.name, snapshotId: id });
        return { resource: db.name, snapshotId: id, status: 'already-exists', requestedAt: deps.now() };
      }
      last = translateRdsError(error);
      deps.log.warn('snapshot attempt failed', { resource: db.name, snapshotId: id, attempt, error: errorName(last), message: errorMessage(last) });
      if (isPermanent(errorName(last))) break;
    }
  }
  return { resource: db.name, snapshotId: id, status: 'failed', error: errorName(last), message: errorMessage(last) };
}

/** The critical alert for a snapshot that could not be taken. */
export function snapshotFailedAlert(policy: Policy, db: DatabaseResource, failure: Extract<SnapshotOutcome, { status: 'failed' }>, source: string, at: number): Alert {
  return {
    severity: 'critical',
    kind: 'backup-failed',
    resource: failure.resource,
    region: policy.regions.primary,
    summary: `snapshot failed: ${failure.error} (${failure.snapshotId})`,
    action: actionFor(failure.error, db, source),
    source,
    at,
    details: { instance: db.instanceId, snapshotId: failure.snapshotId, error: failure.error, message: failure.message.slice(0, 500) },
  };
}
