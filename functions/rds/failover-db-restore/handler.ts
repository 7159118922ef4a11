// failover-db-restore: region-failover brings a database up in the secondary region (promote or restore).
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { restoreEvent, startFailoverRestore } from './failover-db-restore.js';

export const handler = stepHandler(restoreEvent, async (event, rt) => startFailoverRestore({ policy: rt.policy, rds: rdsClient(rt.region), log: rt.log, now: rt.now }, event));
