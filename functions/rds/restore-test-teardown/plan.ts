// Whether teardown may delete what it found, pure: only an instance carrying our tags for this very
// run; one already being deleted (or gone) needs nothing more; one in the middle of an operation must
// wait for it to end (the state machine retries TeardownNotReady — the Lambda never sleeps).

import type { DBInstance } from '@aws-sdk/client-rds';
import { TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { runInstanceTeardownDecision, type TeardownDecision } from '../../../shared/rds/instance-teardown.js';
import type { RestorePlan } from '../../../shared/rds/restore-run.js';

export function teardownDecision(policy: Policy, plan: RestorePlan, instance: DBInstance | undefined): TeardownDecision {
  return runInstanceTeardownDecision(policy, { instanceId: plan.instanceId, runTag: TAG.restoreTest, runId: plan.runId, whose: "this restore test's" }, instance);
}
