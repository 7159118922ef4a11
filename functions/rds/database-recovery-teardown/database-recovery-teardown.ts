// Deletes a recovery's new instance: always a partial recovery's temporary one, and a full or
// point-in-time recovery's when it failed before the instance was proven and approved — only an instance
// carrying our tags for this very recovery (plan.ts decides). Safe to retry; TeardownNotReady is retried
// by the state machine, nothing here sleeps.

import type { RDSClient } from '@aws-sdk/client-rds';
import type { Policy } from '../../../shared/policy/schema.js';
import { teardownInstance } from '../../../shared/rds/instance-teardown.js';
import type { RecoveryPlan } from '../../../shared/rds/recovery-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { recoveryTeardownDecision } from './plan.js';

export async function teardownRecovery(deps: { policy: Policy; rds: RDSClient; log: Log }, plan: RecoveryPlan | undefined): Promise<{ deleted: boolean; detail: string }> {
  if (plan === undefined) return { deleted: false, detail: 'nothing was planned, so nothing was restored' };
  return teardownInstance(deps, plan.instanceId, (instance) => recoveryTeardownDecision(deps.policy, plan, instance), {
    message: 'recovery instance deleted',
    fields: { runId: plan.runId },
  });
}
