// The restore request of a planned test, pure: from the snapshot, or to the point in time from the
// replicated automated backups; tagged as ours and as this run's, private, single-AZ, the policy's
// (smallest) class, in the policy's subnet group and security groups. The snapshot's own KMS key
// encrypts the instance, so no key is named.

import type { RestoreDBInstanceFromDBSnapshotCommandInput, RestoreDBInstanceToPointInTimeCommandInput } from '@aws-sdk/client-rds';
import type { Policy } from '../../../shared/policy/schema.js';
import type { RestorePlan } from '../../../shared/rds/restore-run.js';
import { restoreTestTags } from '../../../shared/tags.js';

export type RestoreRequest =
  | { readonly kind: 'snapshot'; readonly input: RestoreDBInstanceFromDBSnapshotCommandInput }
  | { readonly kind: 'pitr'; readonly input: RestoreDBInstanceToPointInTimeCommandInput };

export function restoreRequest(policy: Policy, plan: RestorePlan): RestoreRequest {
  const common = {
    DBInstanceClass: plan.instanceClass,
    PubliclyAccessible: false,
    MultiAZ: false,
    DeletionProtection: false,
    AutoMinorVersionUpgrade: false,
    CopyTagsToSnapshot: false,
    Tags: restoreTestTags(policy, plan),
    ...(plan.subnetGroup === undefined ? {} : { DBSubnetGroupName: plan.subnetGroup }),
    ...(plan.securityGroups.length === 0 ? {} : { VpcSecurityGroupIds: [...plan.securityGroups] }),
  };
  if (plan.kind === 'pitr') {
    return {
      kind: 'pitr',
      input: { ...common, TargetDBInstanceIdentifier: plan.instanceId, SourceDBInstanceAutomatedBackupsArn: plan.automatedBackupsArn, RestoreTime: new Date(plan.restorePoint) },
    };
  }
  return { kind: 'snapshot', input: { ...common, DBInstanceIdentifier: plan.instanceId, DBSnapshotIdentifier: plan.snapshotArn ?? plan.snapshotId } };
}
