// The Wait for database step of region-failover: describes the instance; plan.ts says whether it is ready.

import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import * as z from 'zod/mini';
import { failoverDatabase, type FailoverDatabase } from '../../../shared/platform/failover-run.js';
import { isInstanceNotFound, RestoreFailed } from '../../../shared/rds/errors.js';
import type { InstanceReady } from '../../../shared/rds/restore-run.js';
import { failoverReadiness } from './plan.js';

export const statusEvent = z.object({ database: failoverDatabase });

export async function checkFailoverInstance(deps: { rds: RDSClient; now: () => number }, db: FailoverDatabase): Promise<InstanceReady> {
  let instance;
  try {
    instance = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db.instanceId }))).DBInstances?.[0];
  } catch (error) {
    if (isInstanceNotFound(error)) throw new RestoreFailed(`${db.instanceId} does not exist in ${db.region}`, { cause: error });
    throw error;
  }
  return failoverReadiness(db, instance, deps.now());
}
