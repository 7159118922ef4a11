// restore-test-plan: the first step of the restore-test and pitr-test state machines.
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { planStepInput } from '../../../shared/rds/restore-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { planRestoreTest } from './restore-test-plan.js';

export const handler = stepHandler(
  planStepInput,
  async (event, rt) =>
    planRestoreTest(
      { policy: rt.policy, rds: { primary: rdsClient(rt.policy.regions.primary), secondary: rdsClient(rt.policy.regions.secondary) }, now: rt.now, random: Math.random, role: rt.role },
      event.kind,
      event.input,
    ),
);
