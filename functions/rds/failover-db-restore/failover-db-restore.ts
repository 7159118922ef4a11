// Starts bringing a database up in the secondary region (plan.ts builds the request). Idempotent: an
// instance already there under the run's name is success when it is ours (a retried or resumed step),
// refused when it is not; a replica already promoted is success.

import { DescribeDBInstancesCommand, PromoteReadReplicaCommand, RestoreDBInstanceFromDBSnapshotCommand, RestoreDBInstanceToPointInTimeCommand, type RDSClient } from '@aws-sdk/client-rds';
import * as z from 'zod/mini';
import { errorMessage, errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { failoverDatabase, failoverMode } from '../../../shared/platform/failover-run.js';
import { describeInstance } from '../../../shared/rds/automated-backups.js';
import { isInstanceAlreadyExists, RestoreFailed } from '../../../shared/rds/errors.js';
import type { Log } from '../../../shared/runtime/log.js';
import { isOwned } from '../../../shared/tags.js';
import { failoverRequest } from './plan.js';

export const restoreEvent = z.object({ database: failoverDatabase, mode: failoverMode });
export type RestoreEvent = z.output<typeof restoreEvent>;

export interface FailoverRestoreDeps {
  readonly policy: Policy;
  /** RDS in the secondary region. */
  readonly rds: RDSClient;
  readonly log: Log;
  readonly now: () => number;
}

export async function startFailoverRestore(deps: FailoverRestoreDeps, { database: db, mode }: RestoreEvent): Promise<{ requestedAt: number; alreadyExisted: boolean }> {
  const requestedAt = deps.now();
  const request = failoverRequest(deps.policy, db, mode);
  if (request.kind === 'promote') {
    const replica = await describeInstance(deps.rds, request.instanceId);
    if (replica === null) throw new RestoreFailed(`the read replica ${request.instanceId} does not exist in ${db.region}`);
    if (replica.ReadReplicaSourceDBInstanceIdentifier === undefined) return { requestedAt, alreadyExisted: true };
    try {
      await deps.rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: request.instanceId }));
    } catch (error) {
      throw new RestoreFailed(`RDS refused to promote ${request.instanceId}: ${errorName(error)}: ${errorMessage(error)}`, { cause: error });
    }
    deps.log.info('promotion started', { runId: db.runId, instanceId: request.instanceId });
    return { requestedAt, alreadyExisted: false };
  }
  try {
    if (request.kind === 'pitr') await deps.rds.send(new RestoreDBInstanceToPointInTimeCommand(request.input));
    else await deps.rds.send(new RestoreDBInstanceFromDBSnapshotCommand(request.input));
    deps.log.info('restore started', { runId: db.runId, method: db.method, instanceId: db.instanceId });
    return { requestedAt, alreadyExisted: false };
  } catch (error) {
    if (isInstanceAlreadyExists(error)) {
      const existing = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db.instanceId }))).DBInstances?.[0];
      if (existing !== undefined && isOwned(existing.TagList, deps.policy.tags.owner, deps.policy.name)) return { requestedAt, alreadyExisted: true };
      throw new RestoreFailed(`an instance named ${db.instanceId} exists in ${db.region} and is not ours: refusing to use it (name another in failover.instanceId)`, { cause: error });
    }
    throw new RestoreFailed(`RDS refused the restore: ${errorName(error)}: ${errorMessage(error)}`, { cause: error });
  }
}
