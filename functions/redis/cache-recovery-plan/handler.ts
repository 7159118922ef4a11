// cache-recovery-plan: the first step of the redis-recovery state machine (nothing is created).
import * as z from 'zod/mini';
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { planCacheRecovery } from './cache-recovery-plan.js';

const planStep = z.object({ input: z.optional(z.unknown()), execution: nonEmptyString });

export const handler = stepHandler(planStep, async (event, rt) =>
  planCacheRecovery(
    {
      policy: rt.policy,
      region: rt.region,
      elasticache: elastiCacheClient(rt.region),
      s3: s3Client(rt.region),
      exportBucket: requireEnv(ENV.exportBucket),
      reportsBucket: requireEnv(ENV.reportsBucket),
      now: rt.now,
    },
    event.input,
    event.execution,
  ),
);
