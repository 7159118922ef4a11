// How a recovery seeds its new group, pure: the shared seed request (shared/redis/seed.ts: the backup by
// snapshot name or by the export's S3 ARNs, encrypted at rest, TLS and AUTH as the source has them, the
// plan's node type and network) made production-shaped — as many nodes as the group it replaces, its
// automatic failover, Multi-AZ, backup retention and parameter group — and tagged as ours and as this
// recovery's (never a restore test's: the janitor must not take it for a leak).

import { TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { CacheRecoveryPlan } from '../../../shared/redis/recovery-run.js';
import type { SeedOptions } from '../../../shared/redis/seed.js';
import { recoveryTags } from '../../../shared/tags.js';

export function recoverySeedOptions(policy: Policy, plan: CacheRecoveryPlan): SeedOptions {
  return {
    tags: recoveryTags(policy, plan),
    runTag: { key: TAG.recovery, value: plan.runId },
    whose: "this recovery's",
    description: `backup-dr recovery of ${plan.resource} from ${plan.snapshotName}`,
    shape: { numCacheClusters: plan.numCacheClusters, automaticFailover: plan.automaticFailover, multiAz: plan.multiAz, parameterGroup: plan.parameterGroup },
    snapshotRetentionLimit: plan.snapshotRetentionLimit,
    logged: { message: 'cache recovery seeding', fields: { nodes: plan.numCacheClusters } },
  };
}
