// capture-db-manifest: scheduled with each restore-tested database's snapshot (it requests the snapshot
// between its captures), triggered by RDS "manual snapshot created" events of ours, and on the reconcile
// schedule as the fallback for a lost event (primary region, in the VPC). Per database of the run, in the
// primary: SnapshotsRequested and ManifestsCaptured, or SnapshotFailures (a restore-tested database's
// snapshot is requested here, not by take-db-snapshot: the snapshot-failed alarm watches both) and
// ManifestCaptureFailures.
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ENV } from '../../../shared/contracts.js';
import { tlsSetting } from '../../../shared/rds/credentials.js';
import { manifestCaptureEvent } from '../../../shared/rds/events.js';
import { optionalEnv, requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
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
  const record = metricRecorder(rt.metrics, 'rds');
  const run = await captureDbManifests(deps, event).catch((error: unknown) => {
    record.failures('SnapshotFailures', error, primary, (f) => f.step === 'snapshot');
    record.failures('ManifestCaptureFailures', error, primary, (f) => f.step !== 'snapshot');
    throw error;
  });
  const covered = [...run.snapshots, ...run.captured, ...run.skipped].map((o) => o.resource).filter((name) => name !== '');
  if (run.snapshots.length > 0) record.tally('SnapshotsRequested', primary, run.snapshots.map((o) => o.resource), run.snapshots.filter((o) => o.status === 'created').map((o) => o.resource));
  record.tally('ManifestsCaptured', primary, covered, run.captured.map((c) => c.resource));
  return run;
});
