// restore-test-teardown: always runs, on the success path and on every failure path.
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { teardownStepInput } from '../../../shared/rds/restore-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { teardownRestore } from './restore-test-teardown.js';

export const handler = stepHandler(
  teardownStepInput,
  async (event, rt) => teardownRestore({ policy: rt.policy, rds: rdsClient(event.plan?.region ?? rt.region), log: rt.log }, event.plan),
);
