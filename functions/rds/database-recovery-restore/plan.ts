// The restore request of a planned recovery, pure: from the snapshot, or the source instance to the
// point in time; tagged as ours and as this run's (never as a restore test's), private, shaped as the
// plan says. The snapshot's (or the source's) own KMS key encrypts the new instance, so no key is named.

import type { RestoreDBInstanceFromDBSnapshotCommandInput, RestoreDBInstanceToPointInTimeCommandInput } from '@aws-sdk/client-rds';
import type { Policy } from '../../../shared/policy/schema.js';
import type { RecoveryPlan } from '../../../shared/rds/recovery-run.js';
import { recoveryTags } from '../../../shared/tags.js';

export type RecoveryRequest =
  | { readonly kind: 'snapshot'; readonly input: RestoreDBInstanceFromDBSnapshotCommandInput }
  | { readonly kind: 'pitr'; readonly input: RestoreDBInstanceToPointInTimeCommandInput };

export function recoveryRequest(policy: Policy, plan: RecoveryPlan): RecoveryRequest {
  const common = {
    DBInstanceClass: plan.instanceClass,
    PubliclyAccessible: false,
    MultiAZ: plan.multiAz,
    // Failure teardown must be able to delete it; the operator turns protection on once it serves production.
    DeletionProtection: false,
    CopyTagsToSnapshot: plan.keep,
    Tags: recoveryTags(policy, plan),
    ...(plan.subnetGroup === undefined ? {} : { DBSubnetGroupName: plan.subnetGroup }),
    ...(plan.securityGroups.length === 0 ? {} : { VpcSecurityGroupIds: [...plan.securityGroups] }),
    ...(plan.parameterGroup === undefined ? {} : { DBParameterGroupName: plan.parameterGroup }),
  };
  if (plan.kind === 'pitr') {
    return { kind: 'pitr', input: { ...common, SourceDBInstanceIdentifier: plan.sourceInstanceId, TargetDBInstanceIdentifier: plan.instanceId, RestoreTime: new Date(plan.restorePoint) } };
  }
  return { kind: 'snapshot', input: { ...common, DBInstanceIdentifier: plan.instanceId, DBSnapshotIdentifier: plan.snapshotArn ?? plan.snapshotId } };
}
