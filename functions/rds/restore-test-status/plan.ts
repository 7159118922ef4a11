// Is the restored instance ready, pure? Every DB instance status of the RDS user guide's status table
// ("Viewing DB instance status") is placed in one of three sets: serving (the restore can be validated,
// the RTO clock stops), waiting (RestoreNotReady: the state machine retries — it waits, the Lambda never
// sleeps — until the plan's waitUntil, then RestoreTimedOut), or terminal (RestoreFailed at once: these
// states never become available by themselves, and polling them for hours only delays the alert).

import type { DBInstance } from '@aws-sdk/client-rds';
import { RestoreFailed, RestoreNotReady, RestoreTimedOut } from '../../../shared/rds/errors.js';
import type { InstanceReady, RestorePlan } from '../../../shared/rds/restore-run.js';

/**
 * Serving traffic. After a snapshot restore the instance stays in `storage-initialization` while blocks
 * load lazily from S3 — the guide: it "remains available for operations" — and RDS takes its first
 * backup (`backing-up`); the configuring-* and storage-optimization states leave it fully operational.
 */
export const SERVING = new Set([
  'available',
  'storage-initialization',
  'backing-up',
  'storage-optimization',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
]);

/** Never available by themselves (failed restores, capacity, keys, storage, network, or going away). */
export const TERMINAL = new Set([
  'failed',
  'restore-error',
  'incompatible-restore',
  'incompatible-network',
  'incompatible-parameters',
  'incompatible-option-group',
  'insufficient-capacity',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'storage-full',
  'deleting',
  'stopping',
  'stopped',
]);

/** On the way: the state machine asks again. Any status not named here waits too, bounded by waitUntil. */
export const WAITING = new Set(['creating', 'modifying', 'rebooting', 'renaming', 'resetting-master-credentials', 'maintenance', 'upgrading', 'starting', 'moving-to-vpc', 'converting-to-vpc']);

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** The instance's endpoint when it is ready; otherwise throws the error that tells the state machine what to do. */
export function readiness(plan: RestorePlan, instance: DBInstance | undefined, now: number): InstanceReady {
  const status = instance?.DBInstanceStatus ?? 'unknown';
  if (SERVING.has(status) && instance?.Endpoint?.Address !== undefined) {
    return { address: instance.Endpoint.Address, port: instance.Endpoint.Port ?? 5432, availableAt: now, ...(instance.DBName === undefined ? {} : { database: instance.DBName }) };
  }
  if (TERMINAL.has(status)) throw new RestoreFailed(`the restored instance ${plan.instanceId} is "${status}", which it never leaves by itself`);
  if (now > plan.waitUntil) {
    throw new RestoreTimedOut(`the restored instance ${plan.instanceId} is still "${status}" after ${minutes(now - plan.plannedAt)} (restoreTest.timeout: ${minutes(plan.waitUntil - plan.plannedAt)})`);
  }
  throw new RestoreNotReady(`the restored instance ${plan.instanceId} is "${status}"`);
}
