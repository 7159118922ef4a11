// Whether a recovery's teardown may delete the group it found, pure: only a group carrying our tags for
// this very recovery (never a restore test's, never production's) — the restore-test teardown's rules of
// waiting and deleting (shared/redis/group-teardown.ts), with the recovery's own tag. The state machine
// calls it only before the endpoint was switched to the group.

import type { ReplicationGroup } from '@aws-sdk/client-elasticache';
import { TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { runGroupTeardownDecision, type GroupTeardownDecision } from '../../../shared/redis/group-teardown.js';
import type { CacheRecoveryPlan } from '../../../shared/redis/recovery-run.js';
import type { AwsTag } from '../../../shared/tags.js';

export function recoveryTeardownDecision(policy: Policy, plan: CacheRecoveryPlan, group: ReplicationGroup | undefined, tags: readonly AwsTag[]): GroupTeardownDecision {
  return runGroupTeardownDecision(policy, { groupId: plan.groupId, runTag: TAG.recovery, runId: plan.runId, whose: "this recovery's" }, group, tags);
}
