// Whether a recovery's teardown may delete what it found, pure: only an instance carrying our tags for
// this very recovery — the restore-test teardown's rules of waiting (an operation under way) and of
// deleting at once, with the recovery's own tag instead of a restore test's.

import type { DBInstance } from '@aws-sdk/client-rds';
import { TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { runInstanceTeardownDecision, type TeardownDecision } from '../../../shared/rds/instance-teardown.js';
import type { RecoveryPlan } from '../../../shared/rds/recovery-run.js';

export function recoveryTeardownDecision(policy: Policy, plan: RecoveryPlan, instance: DBInstance | undefined): TeardownDecision {
  return runInstanceTeardownDecision(policy, { instanceId: plan.instanceId, runTag: TAG.recovery, runId: plan.runId, whose: "this recovery's" }, instance);
}
