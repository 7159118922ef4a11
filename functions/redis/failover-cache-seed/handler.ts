// failover-cache-seed: region-failover seeds a cache in the secondary region from its newest verified export.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { seedEvent, seedFailoverCache } from './failover-cache-seed.js';

export const handler = stepHandler(seedEvent, async (event, rt) =>
  seedFailoverCache({ policy: rt.policy, elasticache: elastiCacheClient(rt.region), secrets: secretsClient(rt.region), log: rt.log, now: rt.now }, event),
);
