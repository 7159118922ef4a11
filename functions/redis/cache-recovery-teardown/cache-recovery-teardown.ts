// Deletes a recovery's new group after a failure before the switch, or a rejection — only a group
// carrying our tags for this very recovery (plan.ts decides). Safe to retry: a group already gone or being
// deleted is success; one that cannot be deleted yet is CacheTeardownNotReady, which the state machine
// retries. No final snapshot: the group holds a copy of a backup we already have.

import { DeleteReplicationGroupCommand, DescribeReplicationGroupsCommand, ListTagsForResourceCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { errorMessage, errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { CacheTeardownNotReady, CacheTeardownRefused } from '../../../shared/redis/errors.js';
import type { CacheRecoveryPlan } from '../../../shared/redis/recovery-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { recoveryTeardownDecision } from './plan.js';

const NOT_FOUND = 'ReplicationGroupNotFoundFault';

export async function teardownCacheRecovery(deps: { policy: Policy; elasticache: ElastiCacheClient; log: Log }, plan: CacheRecoveryPlan | undefined): Promise<{ deleted: boolean; detail: string }> {
  if (plan === undefined) return { deleted: false, detail: 'nothing was planned, so nothing was seeded' };
  let group;
  try {
    group = (await deps.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: plan.groupId }))).ReplicationGroups?.[0];
  } catch (error) {
    if (errorName(error) === NOT_FOUND) return { deleted: false, detail: `${plan.groupId} does not exist: nothing to delete` };
    throw error;
  }
  const tags = group?.ARN === undefined ? [] : ((await deps.elasticache.send(new ListTagsForResourceCommand({ ResourceName: group.ARN }))).TagList ?? []);
  const decision = recoveryTeardownDecision(deps.policy, plan, group, tags);
  if (decision.action === 'refuse') throw new CacheTeardownRefused(decision.reason);
  if (decision.action === 'none') return { deleted: decision.deleted, detail: decision.detail };
  if (decision.action === 'wait') throw new CacheTeardownNotReady(decision.reason);
  try {
    await deps.elasticache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: plan.groupId, RetainPrimaryCluster: false }));
  } catch (error) {
    if (errorName(error) === NOT_FOUND) return { deleted: false, detail: `${plan.groupId} was already gone` };
    if (errorName(error) === 'InvalidReplicationGroupStateFault') {
      if (/already being deleted/i.test(errorMessage(error))) return { deleted: true, detail: `${plan.groupId} is already being deleted` };
      throw new CacheTeardownNotReady(`${plan.groupId} cannot be deleted yet (it was "${group?.Status ?? 'unknown'}"): ${errorMessage(error)}`, { cause: error });
    }
    throw error;
  }
  deps.log.info('cache recovery group deleted', { runId: plan.runId, groupId: plan.groupId });
  return { deleted: true, detail: `${plan.groupId} deleted` };
}
