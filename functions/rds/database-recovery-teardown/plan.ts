// Whether a recovery's teardown may delete what it found, pure: only an instance carrying our tags for
// this very recovery — the restore-test teardown's rules of waiting (an operation under way) and of
// deleting at once, with the recovery's own tag instead of a restore test's.

import type { DBInstance } from '@aws-sdk/client-rds';
import { TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { RecoveryPlan } from '../../../shared/rds/recovery-run.js';
import { isOwned, tagValue } from '../../../shared/tags.js';

/** Statuses in which RDS refuses a delete until the operation ends (the RDS user guide's status table). */
const BUSY = new Set(['creating', 'backing-up', 'modifying', 'rebooting', 'renaming', 'resetting-master-credentials', 'upgrading', 'maintenance', 'configuring-enhanced-monitoring', 'configuring-iam-database-auth', 'configuring-log-exports', 'converting-to-vpc', 'moving-to-vpc', 'starting', 'stopping']);

export type TeardownDecision =
  | { readonly action: 'delete' }
  | { readonly action: 'wait'; readonly reason: string }
  | { readonly action: 'none'; readonly deleted: boolean; readonly detail: string }
  | { readonly action: 'refuse'; readonly reason: string };

export function recoveryTeardownDecision(policy: Policy, plan: RecoveryPlan, instance: DBInstance | undefined): TeardownDecision {
  if (instance === undefined) return { action: 'none', deleted: false, detail: `${plan.instanceId} does not exist: nothing to delete` };
  if (!isOwned(instance.TagList, policy.tags.owner, policy.name) || tagValue(instance.TagList, TAG.recovery) !== plan.runId) {
    return { action: 'refuse', reason: `${plan.instanceId} is not this recovery's instance: refusing to delete it` };
  }
  const status = instance.DBInstanceStatus ?? 'unknown';
  if (status === 'deleting') return { action: 'none', deleted: true, detail: `${plan.instanceId} is already being deleted` };
  if (BUSY.has(status)) return { action: 'wait', reason: `${plan.instanceId} is "${status}": RDS deletes it once that ends (the state machine retries)` };
  return { action: 'delete' };
}
