// restore-test-teardown: always runs, on the success path and on every failure path.
import { rdsClient } from '../../../shared/aws/clients.js';
import { teardownStepInput } from '../../../shared/rds/restore-run.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { teardownRestore } from './restore-test-teardown.js';

export const handler = lambdaHandler(
  'restore-test-teardown',
  teardownStepInput,
  async (event, rt) => teardownRestore({ policy: rt.policy, rds: rdsClient(event.plan?.region ?? rt.region), log: rt.log }, event.plan),
  { onError: 'state-machine' },
);
