// cache-recovery-retire: keeps the replication group a recovery replaced — tagged replaced-by and keep-until, never deleted.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { cacheRecoveryStepInput } from '../../../shared/redis/recovery-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { retireReplacedGroup } from './cache-recovery-retire.js';

export const handler = stepHandler(cacheRecoveryStepInput, async ({ plan }, rt) => retireReplacedGroup({ policy: rt.policy, elasticache: elastiCacheClient(plan.region), log: rt.log, now: rt.now }, plan));
