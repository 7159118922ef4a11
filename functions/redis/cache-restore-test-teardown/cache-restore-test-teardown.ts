// Deletes the temporary group of a cache restore test — on success and on every failure path — but only
// a group carrying our tags for this very run (plan.ts decides; shared/redis/group-teardown.ts deletes and
// translates). Safe to retry; CacheTeardownNotReady is retried by the state machine.

import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { Policy } from '../../../shared/policy/schema.js';
import { teardownGroup } from '../../../shared/redis/group-teardown.js';
import type { CacheRestorePlan } from '../../../shared/redis/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { cacheTeardownDecision } from './plan.js';

export async function teardownCacheRestore(deps: { policy: Policy; elasticache: ElastiCacheClient; log: Log }, plan: CacheRestorePlan | undefined): Promise<{ deleted: boolean; detail: string }> {
  if (plan === undefined) return { deleted: false, detail: 'nothing was planned, so nothing was seeded' };
  return teardownGroup(deps, plan.groupId, (group, tags) => cacheTeardownDecision(deps.policy, plan, group, tags), {
    message: 'temporary cache group deleted',
    fields: { runId: plan.runId, region: plan.region },
  });
}
