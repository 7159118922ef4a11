// Whether a recovery's teardown may delete the group it found, pure: only a group carrying our tags for
// this very recovery (never a restore test's, never production's); one already being deleted needs
// nothing more; one in the middle of an operation (creating, modifying, snapshotting: ElastiCache refuses
// DeleteReplicationGroup then) waits — the state machine retries CacheTeardownNotReady. The state machine
// calls it only before the endpoint was switched to the group.

import type { ReplicationGroup } from '@aws-sdk/client-elasticache';
import { TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { CacheRecoveryPlan } from '../../../shared/redis/recovery-run.js';
import { isOwned, tagValue, type AwsTag } from '../../../shared/tags.js';

const BUSY = new Set(['creating', 'modifying', 'snapshotting']);

export type RecoveryTeardownDecision =
  | { readonly action: 'delete' }
  | { readonly action: 'wait'; readonly reason: string }
  | { readonly action: 'none'; readonly deleted: boolean; readonly detail: string }
  | { readonly action: 'refuse'; readonly reason: string };

export function recoveryTeardownDecision(policy: Policy, plan: CacheRecoveryPlan, group: ReplicationGroup | undefined, tags: readonly AwsTag[]): RecoveryTeardownDecision {
  if (group === undefined) return { action: 'none', deleted: false, detail: `${plan.groupId} does not exist: nothing to delete` };
  if (!isOwned(tags, policy.tags.owner, policy.name) || tagValue(tags, TAG.recovery) !== plan.runId) {
    return { action: 'refuse', reason: `${plan.groupId} is not this recovery's group: refusing to delete it` };
  }
  const status = group.Status ?? 'unknown';
  if (status === 'deleting') return { action: 'none', deleted: true, detail: `${plan.groupId} is already being deleted` };
  if (BUSY.has(status)) return { action: 'wait', reason: `${plan.groupId} is "${status}": ElastiCache deletes it once that ends (the state machine retries)` };
  return { action: 'delete' };
}
