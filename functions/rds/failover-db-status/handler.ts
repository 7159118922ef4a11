// failover-db-status: is the database region-failover brings up ready (RestoreNotReady: the state machine asks again)?
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { checkFailoverInstance, statusEvent } from './failover-db-status.js';

export const handler = stepHandler(statusEvent, async ({ database }, rt) => checkFailoverInstance({ rds: rdsClient(rt.region), now: rt.now }, database));
