// Deletes the temporary instance of a restore test — on success and on every failure path — but only an
// instance carrying our tags for this very run. Safe to retry: an instance already gone or already
// being deleted is success.

import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { errorName } from '../../../shared/rds/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { RestorePlan } from '../../../shared/rds/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { isOwned, tagValue } from '../../../shared/tags.js';
import { RESTORE_TEST_TAG } from '../restore-test-restore/restore-test-restore.js';

const notFound = (error: unknown) => errorName(error) === 'DBInstanceNotFoundFault' || errorName(error) === 'DBInstanceNotFound';

export async function teardownRestore(deps: { policy: Policy; rds: RDSClient; log: Log }, plan: RestorePlan | undefined): Promise<{ deleted: boolean; detail: string }> {
  if (plan === undefined) return { deleted: false, detail: 'nothing was planned, so nothing was restored' };
  let instance;
  try {
    instance = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: plan.instanceId }))).DBInstances?.[0];
  } catch (error) {
    if (notFound(error)) return { deleted: false, detail: `${plan.instanceId} does not exist: nothing to delete` };
    throw error;
  }
  if (instance === undefined) return { deleted: false, detail: `${plan.instanceId} does not exist: nothing to delete` };
  if (!isOwned(instance.TagList, deps.policy.tags.owner, deps.policy.name) || tagValue(instance.TagList, RESTORE_TEST_TAG) !== plan.runId) {
    throw new Error(`${plan.instanceId} is not this restore test's instance: refusing to delete it`);
  }
  if (instance.DBInstanceStatus === 'deleting') return { deleted: true, detail: `${plan.instanceId} is already being deleted` };
  try {
    await deps.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: plan.instanceId, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
  } catch (error) {
    if (notFound(error)) return { deleted: false, detail: `${plan.instanceId} was already gone` };
    if (errorName(error) === 'InvalidDBInstanceStateFault' && /already being deleted/i.test(String((error as Error).message))) {
      return { deleted: true, detail: `${plan.instanceId} is already being deleted` };
    }
    throw error;
  }
  deps.log.info('temporary instance deleted', { runId: plan.runId, instanceId: plan.instanceId, region: plan.region });
  return { deleted: true, detail: `${plan.instanceId} deleted` };
}
