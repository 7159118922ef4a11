// Starts the restore of a planned recovery into its new instance (plan.ts builds the request).
// Idempotent: a retried step that finds the instance already there goes on if it is this run's, and
// never adopts anyone else's.

import { DescribeDBInstancesCommand, RestoreDBInstanceFromDBSnapshotCommand, RestoreDBInstanceToPointInTimeCommand, type RDSClient } from '@aws-sdk/client-rds';
import { TAG } from '../../../shared/contracts.js';
import { errorMessage, errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { isInstanceAlreadyExists, RestoreFailed } from '../../../shared/rds/errors.js';
import type { RecoveryPlan } from '../../../shared/rds/recovery-run.js';
import type { RestoreStarted } from '../../../shared/rds/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { isOwned, tagValue } from '../../../shared/tags.js';
import { recoveryRequest } from './plan.js';

export interface RestoreDeps {
  readonly policy: Policy;
  readonly rds: RDSClient;
  readonly log: Log;
  readonly now: () => number;
}

export async function startRecoveryRestore(deps: RestoreDeps, plan: RecoveryPlan): Promise<RestoreStarted> {
  const requestedAt = deps.now();
  const request = recoveryRequest(deps.policy, plan);
  try {
    if (request.kind === 'pitr') await deps.rds.send(new RestoreDBInstanceToPointInTimeCommand(request.input));
    else await deps.rds.send(new RestoreDBInstanceFromDBSnapshotCommand(request.input));
    deps.log.info('recovery restore started', { runId: plan.runId, mode: plan.mode, instanceId: plan.instanceId });
    return { requestedAt, alreadyExisted: false };
  } catch (error) {
    if (isInstanceAlreadyExists(error)) {
      const existing = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: plan.instanceId }))).DBInstances?.[0];
      if (existing !== undefined && isOwned(existing.TagList, deps.policy.tags.owner, deps.policy.name) && tagValue(existing.TagList, TAG.recovery) === plan.runId) {
        return { requestedAt, alreadyExisted: true };
      }
      throw new RestoreFailed(`an instance named ${plan.instanceId} exists and is not this recovery's: refusing to use it`, { cause: error });
    }
    throw new RestoreFailed(`RDS refused the restore: ${errorName(error)}: ${errorMessage(error)}`, { cause: error });
  }
}
