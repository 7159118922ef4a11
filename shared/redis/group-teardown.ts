// Deleting a run's replication group — a restore test's temporary one, a recovery's new one — in one
// sequence: look at the group and its tags, let the caller's pure decision say whether it may go, delete
// it, and translate what ElastiCache answers. Safe to retry: a group already gone or already being
// deleted is success; one that cannot be deleted yet is CacheTeardownNotReady, which the state machine
// retries (nothing here sleeps). No final snapshot: the group holds a copy of a backup we already have.
// The shape of shared/rds/instance-teardown.ts, for ElastiCache.

import { DeleteReplicationGroupCommand, DescribeReplicationGroupsCommand, ListTagsForResourceCommand, type ElastiCacheClient, type ReplicationGroup } from '@aws-sdk/client-elasticache';
import { errorMessage, errorName } from '../errors.js';
import type { Log } from '../runtime/log.js';
import { isOwned, tagValue, type AwsTag } from '../tags.js';
import { CacheTeardownNotReady, CacheTeardownRefused } from './errors.js';

/**
 * Group statuses in which an operation is under way that ends by itself (creating, modifying,
 * snapshotting): ElastiCache refuses DeleteReplicationGroup then with InvalidReplicationGroupState, so
 * teardown waits.
 */
export const BUSY_GROUP_STATUSES: ReadonlySet<string> = new Set(['creating', 'modifying', 'snapshotting']);

export type GroupTeardownDecision =
  | { readonly action: 'delete' }
  | { readonly action: 'wait'; readonly reason: string }
  | { readonly action: 'none'; readonly deleted: boolean; readonly detail: string }
  | { readonly action: 'refuse'; readonly reason: string };

/**
 * The decision both teardowns make, pure: only a group carrying our tags and `runTag` = `runId` may be
 * deleted (`whose` names it in the refusal); one already deleting needs nothing; one busy waits.
 */
export function runGroupTeardownDecision(
  policy: { readonly name: string; readonly tags: { readonly owner: string } },
  run: { readonly groupId: string; readonly runTag: string; readonly runId: string; readonly whose: string },
  group: ReplicationGroup | undefined,
  tags: readonly AwsTag[],
): GroupTeardownDecision {
  if (group === undefined) return { action: 'none', deleted: false, detail: `${run.groupId} does not exist: nothing to delete` };
  if (!isOwned(tags, policy.tags.owner, policy.name) || tagValue(tags, run.runTag) !== run.runId) {
    return { action: 'refuse', reason: `${run.groupId} is not ${run.whose} group: refusing to delete it` };
  }
  const status = group.Status ?? 'unknown';
  if (status === 'deleting') return { action: 'none', deleted: true, detail: `${run.groupId} is already being deleted` };
  if (BUSY_GROUP_STATUSES.has(status)) return { action: 'wait', reason: `${run.groupId} is "${status}": ElastiCache deletes it once that ends (the state machine retries)` };
  return { action: 'delete' };
}

const NOT_FOUND = 'ReplicationGroupNotFoundFault';

/**
 * Describe → tags → decide → DeleteReplicationGroup (no final snapshot, primary not retained) → translate.
 * `logged` is what the log says once the delete was sent.
 */
export async function teardownGroup(
  deps: { readonly elasticache: ElastiCacheClient; readonly log: Log },
  groupId: string,
  decide: (group: ReplicationGroup | undefined, tags: readonly AwsTag[]) => GroupTeardownDecision,
  logged: { readonly message: string; readonly fields: Readonly<Record<string, unknown>> },
): Promise<{ deleted: boolean; detail: string }> {
  let group;
  try {
    group = (await deps.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: groupId }))).ReplicationGroups?.[0];
  } catch (error) {
    if (errorName(error) === NOT_FOUND) return { deleted: false, detail: `${groupId} does not exist: nothing to delete` };
    throw error;
  }
  const tags = group?.ARN === undefined ? [] : ((await deps.elasticache.send(new ListTagsForResourceCommand({ ResourceName: group.ARN }))).TagList ?? []);
  const decision = decide(group, tags);
  if (decision.action === 'refuse') throw new CacheTeardownRefused(decision.reason);
  if (decision.action === 'none') return { deleted: decision.deleted, detail: decision.detail };
  if (decision.action === 'wait') throw new CacheTeardownNotReady(decision.reason);
  try {
    await deps.elasticache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: groupId, RetainPrimaryCluster: false }));
  } catch (error) {
    if (errorName(error) === NOT_FOUND) return { deleted: false, detail: `${groupId} was already gone` };
    if (errorName(error) === 'InvalidReplicationGroupStateFault') {
      if (/deleting|being deleted/i.test(errorMessage(error))) return { deleted: true, detail: `${groupId} is already being deleted` };
      // The state changed since the look above: wait the same way.
      throw new CacheTeardownNotReady(`${groupId} cannot be deleted yet (it was "${group?.Status ?? 'unknown'}"): ${errorMessage(error)}`, { cause: error });
    }
    throw error;
  }
  deps.log.info(logged.message, { ...logged.fields, groupId });
  return { deleted: true, detail: `${groupId} deleted` };
}
