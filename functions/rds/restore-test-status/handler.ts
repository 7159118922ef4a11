// restore-test-status: polled by the state machine until the restored instance is available.
import { rdsClient } from '../../../shared/aws/clients.js';
import { restorePlan } from '../../../shared/rds/restore-run.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { checkRestoredInstance } from './restore-test-status.js';

export const handler = lambdaHandler('restore-test-status', restorePlan, async (plan, rt) => checkRestoredInstance({ rds: rdsClient(plan.region), now: rt.now }, plan), { onError: 'state-machine' });
