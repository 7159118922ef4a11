// Deletes the temporary instance of a restore test — on success and on every failure path — but only an
// instance carrying our tags for this very run (plan.ts decides). Safe to retry: an instance already
// gone or already being deleted is success. One that cannot be deleted yet (an operation under way, or
// RDS refusing for its state) is TeardownNotReady, which the state machine retries; nothing here sleeps.

import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { errorMessage, errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { isInstanceNotFound, TeardownNotReady, TeardownRefused } from '../../../shared/rds/errors.js';
import type { RestorePlan } from '../../../shared/rds/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { teardownDecision } from './plan.js';

const isInvalidState = (error: unknown) => errorName(error) === 'InvalidDBInstanceStateFault' || errorName(error) === 'InvalidDBInstanceState';

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
  if (decision.action === 'refuse') throw new TeardownRefused(decision.reason);
  if (decision.action === 'none') return { deleted: decision.deleted, detail: decision.detail };
  if (decision.action === 'wait') throw new TeardownNotReady(decision.reason);
  try {
    await deps.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: plan.instanceId, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
  } catch (error) {
    if (isInstanceNotFound(error)) return { deleted: false, detail: `${plan.instanceId} was already gone` };
    if (isInvalidState(error) && /already being deleted/i.test(errorMessage(error))) return { deleted: true, detail: `${plan.instanceId} is already being deleted` };
    // The state changed since the look above, or RDS refuses one more state than plan.ts knows: wait the same way.
    if (isInvalidState(error)) throw new TeardownNotReady(`${plan.instanceId} cannot be deleted yet (it was "${instance?.DBInstanceStatus ?? 'unknown'}"): ${errorMessage(error)}`, { cause: error });
    throw error;
  }
  deps.log.info('temporary instance deleted', { runId: plan.runId, instanceId: plan.instanceId, region: plan.region });
  return { deleted: true, detail: `${plan.instanceId} deleted` };
}
