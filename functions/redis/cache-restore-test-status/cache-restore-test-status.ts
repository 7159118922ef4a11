// Asks ElastiCache once how the temporary group is doing (plan.ts decides what that means). A group not
// listed yet right after CreateReplicationGroup is waited for like one still creating.

import { DescribeReplicationGroupsCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { errorName } from '../../../shared/errors.js';
import type { CacheReady, CacheRestorePlan } from '../../../shared/redis/restore-run.js';
import { groupReadiness } from './plan.js';

export async function checkRestoredGroup(deps: { elasticache: ElastiCacheClient; now: () => number }, plan: CacheRestorePlan): Promise<CacheReady> {
  let group;
  try {
    group = (await deps.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: plan.groupId }))).ReplicationGroups?.[0];
  } catch (error) {
    if (errorName(error) !== 'ReplicationGroupNotFoundFault') throw error;
  }
  return groupReadiness(plan, group, deps.now());
}
