// Deletes a recovery's new group after a failure before the switch, or a rejection — only a group
// carrying our tags for this very recovery (plan.ts decides; shared/redis/group-teardown.ts deletes and
// translates). Safe to retry; CacheTeardownNotReady is retried by the state machine.

import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { Policy } from '../../../shared/policy/schema.js';
import { teardownGroup } from '../../../shared/redis/group-teardown.js';
import type { CacheRecoveryPlan } from '../../../shared/redis/recovery-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { recoveryTeardownDecision } from './plan.js';

export async function teardownCacheRecovery(deps: { policy: Policy; elasticache: ElastiCacheClient; log: Log }, plan: CacheRecoveryPlan | undefined): Promise<{ deleted: boolean; detail: string }> {
  if (plan === undefined) return { deleted: false, detail: 'nothing was planned, so nothing was seeded' };
  return teardownGroup(deps, plan.groupId, (group, tags) => recoveryTeardownDecision(deps.policy, plan, group, tags), {
    message: 'cache recovery group deleted',
    fields: { runId: plan.runId },
  });
}
