// cache-restore-test-teardown: always runs, on the success path and on every failure path.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { cacheTeardownStepInput } from '../../../shared/redis/restore-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { teardownCacheRestore } from './cache-restore-test-teardown.js';

export const handler = stepHandler(cacheTeardownStepInput, async (event, rt) =>
  teardownCacheRestore({ policy: rt.policy, elasticache: elastiCacheClient(event.plan?.region ?? rt.region), log: rt.log }, event.plan),
);
