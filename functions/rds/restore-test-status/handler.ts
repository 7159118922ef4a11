// restore-test-status: polled by the state machine until the restored instance is available.
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { restorePlan } from '../../../shared/rds/restore-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { checkRestoredInstance } from './restore-test-status.js';

export const handler = stepHandler(restorePlan, async (plan, rt) => checkRestoredInstance({ rds: rdsClient(plan.region), now: rt.now }, plan));
