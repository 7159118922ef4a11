// Whether teardown may delete what it found, pure: only an instance carrying our tags for this very
// run; one already being deleted (or gone) needs nothing more; one in the middle of an operation must
// wait for it to end (the state machine retries TeardownNotReady — the Lambda never sleeps).

import type { DBInstance } from '@aws-sdk/client-rds';
import { TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { RestorePlan } from '../../../shared/rds/restore-run.js';
import { isOwned, tagValue } from '../../../shared/tags.js';

/**
 * DB instance statuses (the RDS user guide's status table) in which an operation is under way that ends by
 * itself: RDS answers a DeleteDBInstance then with InvalidDBInstanceState, so teardown waits. A restore
 * passes through creating and, when the snapshot keeps automated backups, backing-up. Every other status —
 * available, stopped, storage-full, failed, incompatible-*, inaccessible-encryption-credentials,
 * restore-error, insufficient-capacity (these last only with SkipFinalSnapshot, which teardown always
 * sets) — is deleted at once; a refusal RDS gives anyway is retried the same way.
 */
export const BUSY_STATUSES: ReadonlySet<string> = new Set([
  'creating',
  'backing-up',
  'modifying',
  'rebooting',
  'renaming',
  'resetting-master-credentials',
  'upgrading',
  'maintenance',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
  'converting-to-vpc',
  'moving-to-vpc',
  'starting',
  'stopping',
]);

export type TeardownDecision =
  | { readonly action: 'delete' }
  | { readonly action: 'wait'; readonly reason: string }
  | { readonly action: 'none'; readonly deleted: boolean; readonly detail: string }
  | { readonly action: 'refuse'; readonly reason: string };

export function teardownDecision(policy: Policy, plan: RestorePlan, instance: DBInstance | undefined): TeardownDecision {
  if (instance === undefined) return { action: 'none', deleted: false, detail: `${plan.instanceId} does not exist: nothing to delete` };
  if (!isOwned(instance.TagList, policy.tags.owner, policy.name) || tagValue(instance.TagList, TAG.restoreTest) !== plan.runId) {
    return { action: 'refuse', reason: `${plan.instanceId} is not this restore test's instance: refusing to delete it` };
  }
  const status = instance.DBInstanceStatus ?? 'unknown';
  if (status === 'deleting') return { action: 'none', deleted: true, detail: `${plan.instanceId} is already being deleted` };
  if (BUSY_STATUSES.has(status)) return { action: 'wait', reason: `${plan.instanceId} is "${status}": RDS deletes it once that ends (the state machine retries)` };
  return { action: 'delete' };
}
