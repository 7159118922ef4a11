// Whether teardown may delete what it found, pure: only an instance carrying our tags for this very
// run; one already being deleted (or gone) needs nothing more.

import type { DBInstance } from '@aws-sdk/client-rds';
import { TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { RestorePlan } from '../../../shared/rds/restore-run.js';
import { isOwned, tagValue } from '../../../shared/tags.js';

export type TeardownDecision =
  | { readonly action: 'delete' }
  | { readonly action: 'none'; readonly deleted: boolean; readonly detail: string }
  | { readonly action: 'refuse'; readonly reason: string };

export function teardownDecision(policy: Policy, plan: RestorePlan, instance: DBInstance | undefined): TeardownDecision {
  if (instance === undefined) return { action: 'none', deleted: false, detail: `${plan.instanceId} does not exist: nothing to delete` };
  if (!isOwned(instance.TagList, policy.tags.owner, policy.name) || tagValue(instance.TagList, TAG.restoreTest) !== plan.runId) {
    return { action: 'refuse', reason: `${plan.instanceId} is not this restore test's instance: refusing to delete it` };
  }
  if (instance.DBInstanceStatus === 'deleting') return { action: 'none', deleted: true, detail: `${plan.instanceId} is already being deleted` };
  return { action: 'delete' };
}
