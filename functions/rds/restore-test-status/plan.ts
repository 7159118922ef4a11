// Is the restored instance ready, pure? Every DB instance status of the RDS user guide's status table
// ("Viewing DB instance status") is placed in one of three sets: serving (the restore can be validated,
// the RTO clock stops), waiting (RestoreNotReady: the state machine retries — it waits, the Lambda never
// sleeps — until the plan's waitUntil, then RestoreTimedOut), or terminal (RestoreFailed at once: these
// states never become available by themselves, and polling them for hours only delays the alert).

import type { DBInstance } from '@aws-sdk/client-rds';
import { RestoreFailed, RestoreNotReady, RestoreTimedOut } from '../../../shared/rds/errors.js';
import { SERVING, TERMINAL, WAITING } from '../../../shared/rds/instance-status.js';
import type { InstanceReady, RestorePlan } from '../../../shared/rds/restore-run.js';

export { SERVING, TERMINAL, WAITING };

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
