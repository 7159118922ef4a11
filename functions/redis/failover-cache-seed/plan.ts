// How region-failover seeds a cache in the secondary region, pure: the shared seed request (one node of
// the plan's type, encrypted at rest — with the policy's secondary key when it names one — TLS and AUTH
// as the source has them, in the failover network) with the run's tags. A failover's group is production's
// from now on: ours and this run's (recovery tag), never a restore test's, with ElastiCache's own daily
// backup. A rehearsal's is temporary: tagged as a restore test's of this run too (its teardown and the
// janitor delete only that), no backups of its own.

import { OWNER_VALUE, TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { RECOVERY_TAG, type FailoverMode } from '../../../shared/platform/failover-run.js';
import type { CacheRestorePlan } from '../../../shared/redis/restore-run.js';
import type { SeedOptions } from '../../../shared/redis/seed.js';
import { restoreTestTags, toAwsTags } from '../../../shared/tags.js';

export function failoverSeedOptions(policy: Policy, plan: CacheRestorePlan, mode: FailoverMode): SeedOptions {
  const runTag = { key: RECOVERY_TAG, value: plan.runId };
  const kms = policy.kms.secondary === undefined ? {} : { kmsKeyId: policy.kms.secondary };
  if (mode === 'rehearsal') {
    return { tags: [...restoreTestTags(policy, plan), { Key: RECOVERY_TAG, Value: plan.runId }], runTag, description: `backup-dr failover rehearsal ${plan.runId} of ${plan.resource} from ${plan.snapshotName}`, snapshotRetentionLimit: 0, ...kms };
  }
  return {
    tags: toAwsTags({ [policy.tags.owner]: OWNER_VALUE, [TAG.policy]: policy.name, [TAG.resource]: plan.resource, [RECOVERY_TAG]: plan.runId, [TAG.createdAt]: new Date(plan.plannedAt).toISOString() }),
    runTag,
    description: `backup-dr region failover ${plan.runId} of ${plan.resource} from ${plan.snapshotName}`,
    snapshotRetentionLimit: 1,
    ...kms,
  };
}
