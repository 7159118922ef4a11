// cache-recovery-teardown: deletes this recovery's new group after a failure before the switch, or a rejection.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { cacheRecoveryTeardownInput } from '../../../shared/redis/recovery-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { teardownCacheRecovery } from './cache-recovery-teardown.js';

export const handler = stepHandler(cacheRecoveryTeardownInput, async (event, rt) =>
  teardownCacheRecovery({ policy: rt.policy, elasticache: elastiCacheClient(event.plan?.region ?? rt.region), log: rt.log }, event.plan),
);
