// capture-db-manifest: scheduled with each database's snapshot (primary region, in the VPC).
import { rdsClient, s3Client, secretsClient } from '../../../shared/aws/clients.js';
import { ENV } from '../../../shared/contracts.js';
import { tlsSetting } from '../../../shared/rds/credentials.js';
import { scheduledRunEvent } from '../../../shared/rds/events.js';
import { optionalEnv, requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { captureDbManifests } from './capture-db-manifest.js';

export const handler = lambdaHandler('capture-db-manifest', scheduledRunEvent, async (event, rt) => {
  const primary = rt.policy.regions.primary;
  const deps = {
    policy: rt.policy,
    rds: rdsClient(primary),
    secrets: secretsClient(primary),
    s3: s3Client(primary),
    bucket: requireEnv(ENV.reportsBucket),
    tls: tlsSetting(optionalEnv(ENV.dbTls)),
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
  };
  return { captured: await captureDbManifests(deps, event) };
});
