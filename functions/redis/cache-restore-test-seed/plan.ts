// The CreateReplicationGroup request that seeds a restore test's temporary group, pure: one node of the
// policy's (smallest) type, no failover, no automatic backups of its own, encrypted at rest, TLS and
// AUTH as the source has them, in the policy's subnet and security groups of the region, tagged as ours
// and as this run's (tag-on-create: the only way IAM lets the step create a group). From the snapshot by
// name, or from the export's .rdb objects by their S3 ARNs (one per node group).

import type { CreateReplicationGroupCommandInput } from '@aws-sdk/client-elasticache';
import type { CacheValidation, Policy } from '../../../shared/policy/schema.js';
import type { CacheRestorePlan } from '../../../shared/redis/restore-run.js';
import { restoreTestTags } from '../../../shared/tags.js';

/** The S3 partition of a region ("aws-cn" for China): an export object's ARN carries it. */
const partitionOf = (region: string) => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

/** How the restore authenticates: the source's AUTH token, or its RBAC users through the policy's user group. */
export type RestoreAuth = { readonly kind: 'none' } | { readonly kind: 'token'; readonly token: string } | { readonly kind: 'user-group'; readonly userGroupId: string };

export function seedRequest(policy: Policy, plan: CacheRestorePlan, validation: Pick<CacheValidation, 'tls'>, auth: RestoreAuth): CreateReplicationGroupCommandInput {
  const seed =
    plan.seed.kind === 'snapshot'
      ? { SnapshotName: plan.seed.snapshotName }
      : {
          SnapshotArns: plan.seed.keys.map((key) => `arn:${partitionOf(plan.region)}:s3:::${plan.seed.kind === 'export' ? plan.seed.bucket : ''}/${key}`),
          // A snapshot keeps its engine; an .rdb does not: the source's, as the manifest recorded it.
          ...(plan.engine === undefined ? {} : { Engine: plan.engine }),
          ...(plan.engineVersion === undefined ? {} : { EngineVersion: plan.engineVersion }),
        };
  return {
    ReplicationGroupId: plan.groupId,
    ReplicationGroupDescription: `backup-dr restore test of ${plan.resource} from ${plan.snapshotName}`.slice(0, 255),
    CacheNodeType: plan.nodeType,
    NumCacheClusters: 1,
    AutomaticFailoverEnabled: false,
    MultiAZEnabled: false,
    SnapshotRetentionLimit: 0,
    AtRestEncryptionEnabled: true,
    TransitEncryptionEnabled: validation.tls,
    ...seed,
    ...(plan.subnetGroup === undefined ? {} : { CacheSubnetGroupName: plan.subnetGroup }),
    ...(plan.securityGroups.length === 0 ? {} : { SecurityGroupIds: [...plan.securityGroups] }),
    ...(auth.kind === 'token' ? { AuthToken: auth.token } : {}),
    ...(auth.kind === 'user-group' ? { UserGroupIds: [auth.userGroupId] } : {}),
    Tags: restoreTestTags(policy, plan),
  };
}
