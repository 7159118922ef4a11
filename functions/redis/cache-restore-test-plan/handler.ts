// cache-restore-test-plan: the first step of the cache-restore-test state machine.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { cachePlanStepInput } from '../../../shared/redis/restore-run.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { planCacheRestoreTest } from './cache-restore-test-plan.js';

export const handler = stepHandler(cachePlanStepInput, async (event, rt) =>
  planCacheRestoreTest(
    {
      policy: rt.policy,
      role: rt.role,
      region: rt.region,
      elasticache: elastiCacheClient(rt.region),
      s3: s3Client(rt.region),
      exportBucket: requireEnv(ENV.exportBucket),
      reportsBucket: requireEnv(ENV.reportsBucket),
      now: rt.now,
    },
    event.input,
  ),
);
