// Starts the restore of a planned test into its temporary instance: from the snapshot, or to the point
// in time from the replicated automated backups. Tagged as ours, private, the smallest class, in the
// policy's subnet group and security groups; the snapshot's own KMS key encrypts it. Idempotent.

import {
  DescribeDBInstancesCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { errorMessage, errorName } from '../../../shared/rds/errors.js';
import { RestoreFailed } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { RestorePlan, RestoreStarted } from '../../../shared/rds/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { isOwned, OWNER_VALUE, TAG, toAwsTags } from '../../../shared/tags.js';

export const RESTORE_TEST_TAG = 'backup-dr:restore-test';

export interface RestoreDeps {
  readonly policy: Policy;
  /** RDS in the plan's region. */
  readonly rds: RDSClient;
  readonly log: Log;
  readonly now: () => number;
}

export function restoreTags(policy: Policy, plan: RestorePlan) {
  return toAwsTags({
    [policy.tags.owner]: OWNER_VALUE,
    [TAG.policy]: policy.name,
    [TAG.resource]: plan.resource,
    [RESTORE_TEST_TAG]: plan.runId,
    [TAG.createdAt]: new Date(plan.plannedAt).toISOString(),
  });
}

export async function startRestore(deps: RestoreDeps, plan: RestorePlan): Promise<RestoreStarted> {
  const requestedAt = deps.now();
  const common = {
    DBInstanceClass: plan.instanceClass,
    PubliclyAccessible: false,
    MultiAZ: false,
    DeletionProtection: false,
    AutoMinorVersionUpgrade: false,
    CopyTagsToSnapshot: false,
    Tags: restoreTags(deps.policy, plan),
    ...(plan.subnetGroup === undefined ? {} : { DBSubnetGroupName: plan.subnetGroup }),
    ...(plan.securityGroups.length === 0 ? {} : { VpcSecurityGroupIds: [...plan.securityGroups] }),
  };
  try {
    if (plan.kind === 'pitr') {
      await deps.rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          ...common,
          TargetDBInstanceIdentifier: plan.instanceId,
          SourceDBInstanceAutomatedBackupsArn: plan.automatedBackupsArn,
          RestoreTime: new Date(plan.restorePoint),
        }),
      );
    } else {
      await deps.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ ...common, DBInstanceIdentifier: plan.instanceId, DBSnapshotIdentifier: plan.snapshotArn ?? plan.snapshotId }));
    }
    deps.log.info('restore started', { runId: plan.runId, kind: plan.kind, instanceId: plan.instanceId, region: plan.region });
    return { requestedAt, alreadyExisted: false };
  } catch (error) {
    if (errorName(error) === 'DBInstanceAlreadyExistsFault' || errorName(error) === 'DBInstanceAlreadyExists') {
      // A retried step: fine if the instance is ours from this run; never adopt someone else's.
      const existing = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: plan.instanceId }))).DBInstances?.[0];
      if (existing !== undefined && isOwned(existing.TagList, deps.policy.tags.owner, deps.policy.name)) return { requestedAt, alreadyExisted: true };
      throw new RestoreFailed(`an instance named ${plan.instanceId} exists and is not ours: refusing to use it`, { cause: error });
    }
    throw new RestoreFailed(`RDS refused the restore: ${errorName(error)}: ${errorMessage(error)}`, { cause: error });
  }
}
