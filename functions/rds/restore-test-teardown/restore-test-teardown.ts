// Deletes the temporary instance of a restore test — on success and on every failure path — but only an
// instance carrying our tags for this very run (plan.ts decides). Safe to retry: an instance already
// gone or already being deleted is success.

import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { isInstanceNotFound } from '../../../shared/rds/errors.js';
import type { RestorePlan } from '../../../shared/rds/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { teardownDecision } from './plan.js';

export async function teardownRestore(deps: { policy: Policy; rds: RDSClient; log: Log }, plan: RestorePlan | undefined): Promise<{ deleted: boolean; detail: string }> {
  if (plan === undefined) return { deleted: false, detail: 'nothing was planned, so nothing was restored' };
  let instance;
  try {
    instance = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: plan.instanceId }))).DBInstances?.[0];
  } catch (error) {
    if (isInstanceNotFound(error)) return { deleted: false, detail: `${plan.instanceId} does not exist: nothing to delete` };
    throw error;
  }
  const decision = teardownDecision(deps.policy, plan, instance);
  if (decision.action === 'refuse') throw new Error(decision.reason);
  if (decision.action === 'none') return { deleted: decision.deleted, detail: decision.detail };
  try {
    await deps.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: plan.instanceId, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
  } catch (error) {
    if (isInstanceNotFound(error)) return { deleted: false, detail: `${plan.instanceId} was already gone` };
    if (errorName(error) === 'InvalidDBInstanceStateFault' && /already being deleted/i.test(String((error as Error).message))) {
      return { deleted: true, detail: `${plan.instanceId} is already being deleted` };
    }
    throw error;
  }
  deps.log.info('temporary instance deleted', { runId: plan.runId, instanceId: plan.instanceId, region: plan.region });
  return { deleted: true, detail: `${plan.instanceId} deleted` };
}
