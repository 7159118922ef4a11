// Deleting a run's temporary DB instance — a restore test's, a recovery's — in one sequence: look at
// the instance, let the caller's pure decision say whether it may go, delete it, and translate what RDS
// answers. Safe to retry: an instance already gone or already being deleted is success; one that cannot
// be deleted yet is TeardownNotReady, which the state machine retries (nothing here sleeps).

import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, type DBInstance, type RDSClient } from '@aws-sdk/client-rds';
import { errorMessage, errorName } from '../errors.js';
import type { Log } from '../runtime/log.js';
import { isOwned, tagValue } from '../tags.js';
import { isInstanceNotFound, TeardownNotReady, TeardownRefused } from './errors.js';

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

/**
 * The decision both teardowns make, pure: only an instance carrying our tags and `runTag` = `runId` may be
 * deleted (`whose` names it in the refusal); one already deleting needs nothing; one busy waits.
 */
export function runInstanceTeardownDecision(
  policy: { readonly name: string; readonly tags: { readonly owner: string } },
  run: { readonly instanceId: string; readonly runTag: string; readonly runId: string; readonly whose: string },
  instance: DBInstance | undefined,
): TeardownDecision {
  if (instance === undefined) return { action: 'none', deleted: false, detail: `${run.instanceId} does not exist: nothing to delete` };
  if (!isOwned(instance.TagList, policy.tags.owner, policy.name) || tagValue(instance.TagList, run.runTag) !== run.runId) {
    return { action: 'refuse', reason: `${run.instanceId} is not ${run.whose} instance: refusing to delete it` };
  }
  const status = instance.DBInstanceStatus ?? 'unknown';
  if (status === 'deleting') return { action: 'none', deleted: true, detail: `${run.instanceId} is already being deleted` };
  if (BUSY_STATUSES.has(status)) return { action: 'wait', reason: `${run.instanceId} is "${status}": RDS deletes it once that ends (the state machine retries)` };
  return { action: 'delete' };
}

export const isInvalidInstanceState = (error: unknown): boolean => errorName(error) === 'InvalidDBInstanceStateFault' || errorName(error) === 'InvalidDBInstanceState';

/**
 * Describe → decide → DeleteDBInstance (no final snapshot, no automated backups kept) → translate.
 * `logged` is what the log says once the delete was sent.
 */
export async function teardownInstance(
  deps: { readonly rds: RDSClient; readonly log: Log },
  instanceId: string,
  decide: (instance: DBInstance | undefined) => TeardownDecision,
  logged: { readonly message: string; readonly fields: Readonly<Record<string, unknown>> },
): Promise<{ deleted: boolean; detail: string }> {
  let instance;
  try {
    instance = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }))).DBInstances?.[0];
  } catch (error) {
    if (isInstanceNotFound(error)) return { deleted: false, detail: `${instanceId} does not exist: nothing to delete` };
    throw error;
  }
  const decision = decide(instance);
  if (decision.action === 'refuse') throw new TeardownRefused(decision.reason);
  if (decision.action === 'none') return { deleted: decision.deleted, detail: decision.detail };
  if (decision.action === 'wait') throw new TeardownNotReady(decision.reason);
  try {
    await deps.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: instanceId, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
  } catch (error) {
    if (isInstanceNotFound(error)) return { deleted: false, detail: `${instanceId} was already gone` };
    if (isInvalidInstanceState(error) && /already being deleted/i.test(errorMessage(error))) return { deleted: true, detail: `${instanceId} is already being deleted` };
    // The state changed since the look above, or RDS refuses one more state than the decision knows: wait the same way.
    if (isInvalidInstanceState(error)) throw new TeardownNotReady(`${instanceId} cannot be deleted yet (it was "${instance?.DBInstanceStatus ?? 'unknown'}"): ${errorMessage(error)}`, { cause: error });
    throw error;
  }
  deps.log.info(logged.message, { ...logged.fields, instanceId });
  return { deleted: true, detail: `${instanceId} deleted` };
}
