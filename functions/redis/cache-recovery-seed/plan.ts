// The CreateReplicationGroup request that seeds a recovery's new group, pure: the restore test's seed
// request (the backup by snapshot name or by the export's S3 ARNs, encrypted at rest, TLS and AUTH as the
// source has them, the plan's node type and network) made production-shaped — as many nodes as the group
// it replaces, its automatic failover, Multi-AZ, backup retention and parameter group — and tagged as ours
// and as this recovery's (never a restore test's: the janitor must not take it for a leak).

import type { CreateReplicationGroupCommandInput } from '@aws-sdk/client-elasticache';
import type { CacheValidation, Policy } from '../../../shared/policy/schema.js';
import type { CacheRecoveryPlan } from '../../../shared/redis/recovery-run.js';
import { recoveryTags } from '../../../shared/tags.js';
import { seedRequest, type RestoreAuth } from '../../../shared/redis/seed.js';

export type { RestoreAuth };

export function recoverySeedRequest(policy: Policy, plan: CacheRecoveryPlan, validation: Pick<CacheValidation, 'tls'>, auth: RestoreAuth): CreateReplicationGroupCommandInput {
  const base = seedRequest(policy, plan, validation, auth);
  return {
    ...base,
    ReplicationGroupDescription: `backup-dr recovery of ${plan.resource} from ${plan.snapshotName}`.slice(0, 255),
    NumCacheClusters: plan.numCacheClusters,
    AutomaticFailoverEnabled: plan.automaticFailover,
    MultiAZEnabled: plan.multiAz,
    SnapshotRetentionLimit: plan.snapshotRetentionLimit,
    ...(plan.parameterGroup === undefined ? {} : { CacheParameterGroupName: plan.parameterGroup }),
    Tags: recoveryTags(policy, plan),
  };
}
