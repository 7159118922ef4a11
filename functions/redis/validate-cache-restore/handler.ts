// validate-cache-restore: the Validate state of the cache-restore-test state machine (in the VPC).
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ENV } from '../../../shared/contracts.js';
import { cacheValidateStepInput } from '../../../shared/redis/restore-run.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { validateCacheRestore } from './validate-cache-restore.js';

export const handler = stepHandler(cacheValidateStepInput, async ({ plan, group }, rt) =>
  validateCacheRestore(
    { policy: rt.policy, secrets: secretsClient(plan.region), reports: s3Client(rt.region), reportsBucket: requireEnv(ENV.reportsBucket), log: rt.log, now: rt.now },
    plan,
    group,
  ),
);
