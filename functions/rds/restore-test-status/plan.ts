// Is the restored instance ready, pure? Available with an endpoint → ready; a state from which it never
// becomes available by itself → RestoreFailed; still being built → RestoreNotReady (the state machine
// retries: it waits, the Lambda never sleeps), until the plan's waitUntil — then RestoreTimedOut.

import type { DBInstance } from '@aws-sdk/client-rds';
import { RestoreFailed, RestoreNotReady, RestoreTimedOut } from '../../../shared/rds/errors.js';
import type { InstanceReady, RestorePlan } from '../../../shared/rds/restore-run.js';

/** States from which an instance never becomes available by itself (the RDS user guide's status table). */
const TERMINAL = new Set(['failed', 'incompatible-restore', 'incompatible-parameters', 'incompatible-network', 'storage-full', 'inaccessible-encryption-credentials', 'deleting', 'stopped']);

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** The instance's endpoint when it is ready; otherwise throws the error that tells the state machine what to do. */
export function readiness(plan: RestorePlan, instance: DBInstance | undefined, now: number): InstanceReady {
  const status = instance?.DBInstanceStatus ?? 'unknown';
  if (status === 'available' && instance?.Endpoint?.Address !== undefined) {
    return { address: instance.Endpoint.Address, port: instance.Endpoint.Port ?? 5432, availableAt: now, ...(instance.DBName === undefined ? {} : { database: instance.DBName }) };
  }
  if (TERMINAL.has(status)) throw new RestoreFailed(`the restored instance ${plan.instanceId} is "${status}"`);
  if (now > plan.waitUntil) {
    throw new RestoreTimedOut(`the restored instance ${plan.instanceId} is still "${status}" after ${minutes(now - plan.plannedAt)} (restoreTest.timeout: ${minutes(plan.waitUntil - plan.plannedAt)})`);
  }
  throw new RestoreNotReady(`the restored instance ${plan.instanceId} is "${status}"`);
}
