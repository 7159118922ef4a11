// restore-test-restore: starts the restore into the temporary instance (state machine step).
import { rdsClient } from '../../../shared/aws/clients.js';
import { restorePlan } from '../../../shared/rds/restore-run.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { startRestore } from './restore-test-restore.js';

export const handler = lambdaHandler(
  'restore-test-restore',
  restorePlan,
  async (plan, rt) => startRestore({ policy: rt.policy, rds: rdsClient(plan.region), log: rt.log, now: rt.now }, plan),
  { onError: 'state-machine' },
);
