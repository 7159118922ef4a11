// restore-test-restore: starts the restore into the temporary instance (state machine step).
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { restorePlan } from '../../../shared/rds/restore-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { startRestore } from './restore-test-restore.js';

export const handler = stepHandler(
  restorePlan,
  async (plan, rt) => startRestore({ policy: rt.policy, rds: rdsClient(plan.region), log: rt.log, now: rt.now }, plan),
);
