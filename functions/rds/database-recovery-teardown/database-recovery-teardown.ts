// Deletes a recovery's new instance: always a partial recovery's temporary one, and a full or
// point-in-time recovery's when it failed before the instance was proven and approved — only an instance
// carrying our tags for this very recovery (plan.ts decides). Safe to retry; TeardownNotReady is retried
// by the state machine, nothing here sleeps.

import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { errorMessage, errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { isInstanceNotFound, TeardownNotReady, TeardownRefused } from '../../../shared/rds/errors.js';
import type { RecoveryPlan } from '../../../shared/rds/recovery-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { recoveryTeardownDecision } from './plan.js';

const isInvalidState = (error: unknown) => errorName(error) === 'InvalidDBInstanceStateFault' || errorName(error) === 'InvalidDBInstanceState';

export async function teardownRecovery(deps: { policy: Policy; rds: RDSClient; log: Log }, plan: RecoveryPlan | undefined): Promise<{ deleted: boolean; detail: string }> {
  if (plan === undefined) return { deleted: false, detail: 'nothing was planned, so nothing was restored' };
  let instance;
  try {
    instance = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: plan.instanceId }))).DBInstances?.[0];
  } catch (error) {
    if (isInstanceNotFound(error)) return { deleted: false, detail: `${plan.instanceId} does not exist: nothing to delete` };
    throw error;
  }
  const decision = recoveryTeardownDecision(deps.policy, plan, instance);
  if (decision.action === 'refuse') throw new TeardownRefused(decision.reason);
  if (decision.action === 'none') return { deleted: decision.deleted, detail: decision.detail };
  if (decision.action === 'wait') throw new TeardownNotReady(decision.reason);
  try {
    await deps.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: plan.instanceId, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
  } catch (error) {
    if (isInstanceNotFound(error)) return { deleted: false, detail: `${plan.instanceId} was already gone` };
    if (isInvalidState(error) && /already being deleted/i.test(errorMessage(error))) return { deleted: true, detail: `${plan.instanceId} is already being deleted` };
    if (isInvalidState(error)) throw new TeardownNotReady(`${plan.instanceId} cannot be deleted yet: ${errorMessage(error)}`, { cause: error });
    throw error;
  }
  deps.log.info('recovery instance deleted', { runId: plan.runId, instanceId: plan.instanceId });
  return { deleted: true, detail: `${plan.instanceId} deleted` };
}
