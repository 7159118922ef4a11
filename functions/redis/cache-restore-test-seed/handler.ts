// cache-restore-test-seed: creates the temporary replication group from the planned backup.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { cacheRestorePlan } from '../../../shared/redis/restore-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { seedCacheRestore } from './cache-restore-test-seed.js';

export const handler = stepHandler(cacheRestorePlan, async (plan, rt) =>
  seedCacheRestore({ policy: rt.policy, elasticache: elastiCacheClient(plan.region), secrets: secretsClient(plan.region), log: rt.log, now: rt.now }, plan),
);
