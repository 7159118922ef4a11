// Is the restored instance ready? Available → its endpoint; still being built → RestoreNotReady, which
// the state machine retries (it waits, the Lambda never sleeps); a terminal state → RestoreFailed.

import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { errorName } from '../../../shared/rds/errors.js';
import { RestoreFailed, RestoreNotReady } from '../../../shared/errors.js';
import type { InstanceReady, RestorePlan } from '../../../shared/rds/restore-run.js';

/** States from which an instance never becomes available by itself. */
const TERMINAL = new Set(['failed', 'incompatible-restore', 'incompatible-parameters', 'incompatible-network', 'storage-full', 'inaccessible-encryption-credentials', 'deleting', 'stopped']);

export async function checkRestoredInstance(deps: { rds: RDSClient; now: () => number }, plan: RestorePlan): Promise<InstanceReady> {
  let instance;
  try {
    instance = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: plan.instanceId }))).DBInstances?.[0];
  } catch (error) {
    if (errorName(error) === 'DBInstanceNotFoundFault' || errorName(error) === 'DBInstanceNotFound') {
      throw new RestoreFailed(`the restored instance ${plan.instanceId} does not exist`, { cause: error });
    }
    throw error;
  }
  const status = instance?.DBInstanceStatus ?? 'unknown';
  if (status === 'available' && instance?.Endpoint?.Address !== undefined) {
    return { address: instance.Endpoint.Address, port: instance.Endpoint.Port ?? 5432, availableAt: deps.now(), ...(instance.DBName === undefined ? {} : { database: instance.DBName }) };
  }
  if (TERMINAL.has(status)) throw new RestoreFailed(`the restored instance ${plan.instanceId} is "${status}"`);
  throw new RestoreNotReady(`the restored instance ${plan.instanceId} is "${status}"`);
}
