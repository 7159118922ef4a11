// cache-recovery-seed: creates the recovery's new replication group from the planned backup.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { cacheRecoveryPlan } from '../../../shared/redis/recovery-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { seedCacheRecovery } from './cache-recovery-seed.js';

export const handler = stepHandler(cacheRecoveryPlan, async (plan, rt) =>
  seedCacheRecovery({ policy: rt.policy, elasticache: elastiCacheClient(plan.region), secrets: secretsClient(plan.region), log: rt.log, now: rt.now }, plan),
);
