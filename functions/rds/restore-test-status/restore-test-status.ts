// The Wait for instance step: describes the restored instance; plan.ts says whether it is ready.

import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { isInstanceNotFound, RestoreFailed } from '../../../shared/rds/errors.js';
import type { InstanceReady, RestorePlan } from '../../../shared/rds/restore-run.js';
import { readiness } from './plan.js';

export async function checkRestoredInstance(deps: { rds: RDSClient; now: () => number }, plan: RestorePlan): Promise<InstanceReady> {
  let instance;
  try {
    instance = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: plan.instanceId }))).DBInstances?.[0];
  } catch (error) {
    if (isInstanceNotFound(error)) throw new RestoreFailed(`the restored instance ${plan.instanceId} does not exist`, { cause: error });
    throw error;
  }
  return readiness(plan, instance, deps.now());
}
