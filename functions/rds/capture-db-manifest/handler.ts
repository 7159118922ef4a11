// capture-db-manifest: scheduled with each restore-tested database's snapshot (it requests the snapshot
// between its captures), triggered by RDS "manual snapshot created" events of ours, and on the reconcile
// schedule as the fallback for a lost event (primary region, in the VPC).
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ENV } from '../../../shared/contracts.js';
import { tlsSetting } from '../../../shared/rds/credentials.js';
import { manifestCaptureEvent } from '../../../shared/rds/events.js';
import { optionalEnv, requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { captureDbManifests } from './capture-db-manifest.js';

export const handler = lambdaHandler('capture-db-manifest', manifestCaptureEvent, async (event, rt) => {
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
  const run = await captureDbManifests(deps, event).catch((error: unknown) => {
    rt.metrics.addMetric('ManifestCaptureFailures', MetricUnit.Count, 1);
    throw error;
  });
  rt.metrics.addMetric('SnapshotsRequested', MetricUnit.Count, run.snapshots.filter((o) => o.status === 'created').length);
  rt.metrics.addMetric('ManifestsCaptured', MetricUnit.Count, run.captured.length);
  return run;
});
