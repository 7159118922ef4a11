// cache-restore-test-status: polled by the state machine until the temporary group is available.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { cacheRestorePlan } from '../../../shared/redis/restore-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { checkRestoredGroup } from './cache-restore-test-status.js';

export const handler = stepHandler(cacheRestorePlan, async (plan, rt) => checkRestoredGroup({ elasticache: elastiCacheClient(plan.region), now: rt.now }, plan));
