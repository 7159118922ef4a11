// After a recovery switched the application over: the group it replaced is kept, never deleted here —
// tagged replaced-by and keep-until (now + recovery.keepReplacedFor), so whoever looks at it knows why it
// is there and until when. ElastiCache cannot stop a group: it keeps running, and billing, until someone
// deletes it (the report says how, with a final snapshot). Idempotent: a retry tags it again.

import { AddTagsToResourceCommand, DescribeReplicationGroupsCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { TAG } from '../../../shared/contracts.js';
import { errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { CacheRecoveryPlan, CacheRetired } from '../../../shared/redis/recovery-run.js';
import type { Log } from '../../../shared/runtime/log.js';

const DEFAULT_KEEP = 7 * 86_400_000;

export async function retireReplacedGroup(deps: { policy: Policy; elasticache: ElastiCacheClient; log: Log; now: () => number }, plan: CacheRecoveryPlan): Promise<CacheRetired> {
  const keepUntil = new Date(deps.now() + (deps.policy.recovery?.keepReplacedFor ?? DEFAULT_KEEP)).toISOString();
  const id = plan.sourceGroupId;
  let group;
  try {
    group = (await deps.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups?.[0];
  } catch (error) {
    if (errorName(error) !== 'ReplicationGroupNotFoundFault') throw error;
  }
  if (group?.ARN === undefined) return { groupId: id, keepUntil, tagged: false, detail: `${id} no longer exists: nothing to keep` };
  await deps.elasticache.send(new AddTagsToResourceCommand({ ResourceName: group.ARN, Tags: [{ Key: TAG.replacedBy, Value: plan.groupId }, { Key: TAG.keepUntil, Value: keepUntil }] }));
  deps.log.info('replaced cache group tagged', { runId: plan.runId, groupId: id, keepUntil });
  return {
    groupId: id,
    keepUntil,
    tagged: true,
    detail:
      `${id} ("${group.Status ?? 'unknown'}") tagged replaced-by ${plan.groupId}, kept until ${keepUntil}; ElastiCache cannot stop a group: it runs and is billed until deleted ` +
      `(aws elasticache delete-replication-group --replication-group-id ${id} --final-snapshot-identifier ${id}-final)`,
  };
}
