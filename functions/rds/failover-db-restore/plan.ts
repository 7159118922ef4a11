// The request that brings a database up in the secondary region for region-failover, pure. A failover's
// instance is production's from now on: Multi-AZ as the policy says, deletion protection on, tags copied
// to its snapshots, tagged as ours and as this run's. A rehearsal's is temporary: single-AZ, deletable,
// tagged as a restore test's too (the janitor deletes one a failed teardown left). Both private; the
// class is the policy's, else the source's (RDS's default for both restores: "the same DB instance class
// as the original"). The point-in-time restore asks for the latest restorable time (UseLatestRestorableTime).

import type { RestoreDBInstanceFromDBSnapshotCommandInput, RestoreDBInstanceToPointInTimeCommandInput } from '@aws-sdk/client-rds';
import { OWNER_VALUE, TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { RECOVERY_TAG, type FailoverDatabase, type FailoverMode } from '../../../shared/platform/failover-run.js';
import { restoreTestTags, toAwsTags } from '../../../shared/tags.js';

export type FailoverRequest =
  | { readonly kind: 'promote'; readonly instanceId: string }
  | { readonly kind: 'pitr'; readonly input: RestoreDBInstanceToPointInTimeCommandInput }
  | { readonly kind: 'snapshot'; readonly input: RestoreDBInstanceFromDBSnapshotCommandInput };

export function failoverTags(policy: Policy, db: FailoverDatabase, mode: FailoverMode): { Key: string; Value: string }[] {
  if (mode === 'rehearsal') return [...restoreTestTags(policy, db), { Key: RECOVERY_TAG, Value: db.runId }];
  return toAwsTags({ [policy.tags.owner]: OWNER_VALUE, [TAG.policy]: policy.name, [TAG.resource]: db.resource, [RECOVERY_TAG]: db.runId, [TAG.createdAt]: new Date(db.plannedAt).toISOString() });
}

export function failoverRequest(policy: Policy, db: FailoverDatabase, mode: FailoverMode): FailoverRequest {
  if (db.method === 'promote') return { kind: 'promote', instanceId: db.instanceId };
  const production = mode === 'failover';
  const common = {
    ...(db.targetClass === undefined ? {} : { DBInstanceClass: db.targetClass }),
    PubliclyAccessible: false,
    MultiAZ: production && db.multiAz,
    DeletionProtection: production,
    CopyTagsToSnapshot: production,
    Tags: failoverTags(policy, db, mode),
    ...(db.subnetGroup === undefined ? {} : { DBSubnetGroupName: db.subnetGroup }),
    ...(db.securityGroups.length === 0 ? {} : { VpcSecurityGroupIds: [...db.securityGroups] }),
  };
  if (db.method === 'pitr') {
    return { kind: 'pitr', input: { ...common, TargetDBInstanceIdentifier: db.instanceId, SourceDBInstanceAutomatedBackupsArn: db.automatedBackupsArn, UseLatestRestorableTime: true } };
  }
  return { kind: 'snapshot', input: { ...common, DBInstanceIdentifier: db.instanceId, DBSnapshotIdentifier: db.snapshotArn ?? db.snapshotId } };
}
