// Deletes the temporary instance of a restore test — on success and on every failure path — but only an
// instance carrying our tags for this very run (plan.ts decides). Safe to retry: an instance already
// gone or already being deleted is success. One that cannot be deleted yet (an operation under way, or
// RDS refusing for its state) is TeardownNotReady, which the state machine retries; nothing here sleeps.

import type { RDSClient } from '@aws-sdk/client-rds';
import type { Policy } from '../../../shared/policy/schema.js';
import { teardownInstance } from '../../../shared/rds/instance-teardown.js';
import type { RestorePlan } from '../../../shared/rds/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { teardownDecision } from './plan.js';

export async function teardownRestore(deps: { policy: Policy; rds: RDSClient; log: Log }, plan: RestorePlan | undefined): Promise<{ deleted: boolean; detail: string }> {
  if (plan === undefined) return { deleted: false, detail: 'nothing was planned, so nothing was restored' };
  return teardownInstance(deps, plan.instanceId, (instance) => teardownDecision(deps.policy, plan, instance), {
    message: 'temporary instance deleted',
    fields: { runId: plan.runId, region: plan.region },
  });
}
