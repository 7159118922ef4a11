// Starts the restore of a planned test into its temporary instance (plan.ts builds the request).
// Idempotent: a retried step that finds the instance already there goes on if it is ours, and never
// adopts someone else's.

import { DescribeDBInstancesCommand, RestoreDBInstanceFromDBSnapshotCommand, RestoreDBInstanceToPointInTimeCommand, type RDSClient } from '@aws-sdk/client-rds';
import { errorMessage, errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { isInstanceAlreadyExists, RestoreFailed } from '../../../shared/rds/errors.js';
import type { RestorePlan, RestoreStarted } from '../../../shared/rds/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { isOwned } from '../../../shared/tags.js';
import { restoreRequest } from './plan.js';

export interface RestoreDeps {
  readonly policy: Policy;
  /** RDS in the plan's region. */
  readonly rds: RDSClient;
  readonly log: Log;
  readonly now: () => number;
}

export async function startRestore(deps: RestoreDeps, plan: RestorePlan): Promise<RestoreStarted> {
  const requestedAt = deps.now();
  const request = restoreRequest(deps.policy, plan);
  try {
    if (request.kind === 'pitr') await deps.rds.send(new RestoreDBInstanceToPointInTimeCommand(request.input));
    else await deps.rds.send(new RestoreDBInstanceFromDBSnapshotCommand(request.input));
    deps.log.info('restore started', { runId: plan.runId, kind: plan.kind, instanceId: plan.instanceId, region: plan.region });
    return { requestedAt, alreadyExisted: false };
  } catch (error) {
    if (isInstanceAlreadyExists(error)) {
      const existing = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: plan.instanceId }))).DBInstances?.[0];
      if (existing !== undefined && isOwned(existing.TagList, deps.policy.tags.owner, deps.policy.name)) return { requestedAt, alreadyExisted: true };
      throw new RestoreFailed(`an instance named ${plan.instanceId} exists and is not ours: refusing to use it`, { cause: error });
    }
    throw new RestoreFailed(`RDS refused the restore: ${errorName(error)}: ${errorMessage(error)}`, { cause: error });
  }
}
