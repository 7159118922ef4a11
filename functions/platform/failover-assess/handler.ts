// failover-assess: the first step of region-failover (secondary region): what can be restored, and the plan.
import * as z from 'zod/mini';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { failoverCaches } from './cache-plan.js';
import { assessFailover } from './failover-assess.js';

const event = z.object({ input: z.optional(z.unknown()), execution: nonEmptyString });

export const handler = lambdaHandler(
  'failover-assess',
  event,
  async (e, rt) =>
    assessFailover(
      {
        policy: rt.policy,
        rds: { secondary: rdsClient(rt.region), primary: rdsClient(rt.policy.regions.primary) },
        reports: s3Client(rt.region),
        bucket: requireEnv(ENV.reportsBucket),
        exportBucket: failoverCaches(rt.policy).length === 0 ? undefined : requireEnv(ENV.exportBucket),
        alerts: rt.alerts,
        now: rt.now,
        primaryTimeoutMs: 5_000,
      },
      e,
    ),
  { onError: 'state-machine' },
);
