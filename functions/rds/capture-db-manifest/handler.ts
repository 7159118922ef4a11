// capture-db-manifest: scheduled with each database's snapshot (primary region, in the VPC).
import { rdsClient, s3Client, secretsClient } from '../../../shared/aws/clients.js';
import { tlsSetting } from '../../../shared/rds/credentials.js';
import { optionalEnv, requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { captureDbManifests } from './capture-db-manifest.js';

export const handler = lambdaHandler('capture-db-manifest', async (event: unknown, rt) => ({
  captured: await captureDbManifests(
    {
      policy: rt.policy,
      rds: rdsClient(rt.policy.regions.primary),
      secrets: secretsClient(rt.policy.regions.primary),
      s3: s3Client(rt.policy.regions.primary),
      bucket: requireEnv('REPORTS_BUCKET'),
      tls: tlsSetting(optionalEnv('DB_TLS')),
      alerts: rt.alerts,
      log: rt.log,
      now: rt.now,
    },
    event,
  ),
}));
