// Takes the scheduled manual snapshot of each RDS instance in the policy: a deterministic id from the
// instance and the scheduled time (so duplicates are no-ops), our tags, a bounded immediate retry of
// transient faults, and one alert per instance that still fails; the other instances proceed.

import { CreateDBSnapshotCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { errorMessage, errorName, isAlreadyExists, translateRdsError } from '../../../shared/rds/errors.js';
import { InvalidInput, RunFailed } from '../../../shared/errors.js';
import { snapshotId } from '../../../shared/rds/naming.js';
import { parseIsoInstant } from '../../../shared/time/iso.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { OWNER_VALUE, TAG, toAwsTags } from '../../../shared/tags.js';

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

export interface TakeSnapshotEvent {
  /** EventBridge Scheduler's <aws.scheduler.scheduled-time>; absent on a manual run (then: now). */
  readonly scheduledTime?: string;
  /** Limit the run to these resources (names from the policy); absent = every database. */
  readonly resources?: readonly string[];
}

export type SnapshotOutcome =
  | { readonly resource: string; readonly snapshotId: string; readonly status: 'created' | 'already-exists' }
  | { readonly resource: string; readonly snapshotId: string; readonly status: 'failed'; readonly error: string; readonly message: string };

const PERMANENT = new Set(['InstanceNotReady', 'InstanceNotFound', 'SnapshotQuotaExceeded', 'KmsKeyNotAccessible', 'ConfigurationError']);

/** Validates the event before anything is sent: a bad field is an error naming it, with no side effect. */
export function parseTakeEvent(event: unknown, policy: Policy, now: number): { scheduledAt: number; databases: DatabaseResource[] } {
  const input = (event ?? {}) as Record<string, unknown>;
  let scheduledAt = Math.floor(now / 60_000) * 60_000;
  if (input.scheduledTime !== undefined) {
    const parsed = typeof input.scheduledTime === 'string' ? parseIsoInstant(input.scheduledTime) : null;
    if (parsed === null) throw new InvalidInput('scheduledTime', 'must be an ISO-8601 time with an offset');
    scheduledAt = parsed;
  }
  let databases = policy.resources.databases;
  if (input.resources !== undefined) {
    if (!Array.isArray(input.resources) || input.resources.some((r) => typeof r !== 'string')) {
      throw new InvalidInput('resources', 'must be a list of resource names');
    }
    const wanted = input.resources as string[];
    const unknown = wanted.filter((name) => !databases.some((d) => d.name === name));
    if (unknown.length > 0) throw new InvalidInput('resources', `no database named ${unknown.map((u) => `"${u}"`).join(', ')} in the policy`);
    databases = databases.filter((d) => wanted.includes(d.name));
  }
  return { scheduledAt, databases };
}

function actionFor(error: string, db: DatabaseResource): string {
  switch (error) {
    case 'InstanceNotReady':
      return `Check the state of DB instance ${db.instanceId} (a stopped or modifying instance cannot be snapshotted); start it or wait, then re-run take-db-snapshot with {"resources":["${db.name}"]}.`;
    case 'InstanceNotFound':
      return `DB instance ${db.instanceId} does not exist in this region: fix instanceId of "${db.name}" in backup-policy.yml or restore the instance.`;
    case 'SnapshotQuotaExceeded':
      return 'The region has reached its manual DB snapshot quota: check that prune-db-snapshots runs, delete unneeded manual snapshots or request a quota increase, then re-run.';
    default:
      return `Read the take-db-snapshot logs; re-run with {"resources":["${db.name}"]} once the cause is fixed.`;
  }
}

async function snapshotOne(deps: TakeSnapshotDeps, db: DatabaseResource, scheduledAt: number): Promise<SnapshotOutcome> {
  const id = snapshotId(db.name, scheduledAt, deps.policy.timezone);
  const attempts = deps.attempts ?? 3;
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      const described = await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db.instanceId }));
      const instance = described.DBInstances?.[0];
      const tags = toAwsTags({
        [deps.policy.tags.owner]: OWNER_VALUE,
        [TAG.policy]: deps.policy.name,
        [TAG.resource]: db.name,
        [TAG.sourceArn]: instance?.DBInstanceArn ?? db.instanceId,
        [TAG.createdAt]: new Date(deps.now()).toISOString(),
        [TAG.scheduledAt]: new Date(scheduledAt).toISOString(),
        [TAG.tier]: 'primary',
      });
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
      if (PERMANENT.has(errorName(last))) break;
    }
  }
  return { resource: db.name, snapshotId: id, status: 'failed', error: errorName(last), message: errorMessage(last) };
}

export async function takeDbSnapshots(deps: TakeSnapshotDeps, event: unknown): Promise<SnapshotOutcome[]> {
  const { scheduledAt, databases } = parseTakeEvent(event, deps.policy, deps.now());
  const outcomes: SnapshotOutcome[] = [];
  for (const db of databases) outcomes.push(await snapshotOne(deps, db, scheduledAt));

  const failures = outcomes.filter((o): o is Extract<SnapshotOutcome, { status: 'failed' }> => o.status === 'failed');
  for (const failure of failures) {
    const db = databases.find((d) => d.name === failure.resource) as DatabaseResource;
    const alert: Alert = {
      severity: 'critical',
      kind: 'backup-failed',
      resource: failure.resource,
      region: deps.policy.regions.primary,
      summary: `snapshot failed: ${failure.error} (${failure.snapshotId})`,
      action: actionFor(failure.error, db),
      source: 'take-db-snapshot',
      at: deps.now(),
      details: { instance: db.instanceId, snapshotId: failure.snapshotId, error: failure.error, message: failure.message.slice(0, 500) },
    };
    await deps.alerts.publish(alert);
  }
  if (failures.length > 0) {
    throw new RunFailed(
      `${failures.length} of ${outcomes.length} snapshots failed: ${failures.map((f) => `${f.resource} (${f.error})`).join(', ')}`,
      failures.map((f) => ({ resource: f.resource, error: f.error })),
    );
  }
  return outcomes;
}
