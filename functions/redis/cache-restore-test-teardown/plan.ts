// Whether teardown may delete the group it found, pure: only a group carrying our tags for this very run;
// one already being deleted needs nothing more; one in the middle of an operation waits for it to end —
// the state machine retries CacheTeardownNotReady, the Lambda never sleeps (shared/redis/group-teardown.ts).

import type { ReplicationGroup } from '@aws-sdk/client-elasticache';
import { TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { runGroupTeardownDecision, type GroupTeardownDecision } from '../../../shared/redis/group-teardown.js';
import type { CacheRestorePlan } from '../../../shared/redis/restore-run.js';
import type { AwsTag } from '../../../shared/tags.js';

export function cacheTeardownDecision(policy: Policy, plan: CacheRestorePlan, group: ReplicationGroup | undefined, tags: readonly AwsTag[]): GroupTeardownDecision {
  return runGroupTeardownDecision(policy, { groupId: plan.groupId, runTag: TAG.restoreTest, runId: plan.runId, whose: "this restore test's" }, group, tags);
}
