// verify-db-snapshots: on "copy completed" RDS events and on a fallback schedule (secondary region). Per
// database, in the secondary: CopiesVerified (the copies completed and proven this run) and
// CopiesPendingVerification (in flight), or CopyVerificationFailures for a copy that failed (its alarm).
import { kmsClient } from '../../../shared/aws/kms-client.js';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { keyOf } from '../../../shared/aws/kms-keys.js';
import { snapshotEventOrSchedule } from '../../../shared/rds/events.js';
import { databaseOfSnapshotId } from '../../../shared/rds/naming.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { verifyDbSnapshots } from './verify-db-snapshots.js';

export const handler = lambdaHandler('verify-db-snapshots', snapshotEventOrSchedule, async (_event, rt) => {
  const secondary = rt.policy.regions.secondary;
  const record = metricRecorder(rt.metrics, 'rds');
  const report = await verifyDbSnapshots({
    policy: rt.policy,
    source: rdsClient(rt.policy.regions.primary),
    target: rdsClient(secondary),
    kms: kmsClient(secondary),
    key: keyOf(rt.policy, 'secondary', rt.stage),
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
  }).catch((error: unknown) => {
    record.failures('CopyVerificationFailures', error, secondary);
    throw error;
  });
  const databases = rt.policy.resources.databases.map((db) => db.name);
  const of = (ids: readonly string[]) => ids.map((id) => databaseOfSnapshotId(id, databases)).filter((name) => name !== null);
  record.tally('CopiesVerified', secondary, databases, of(report.verified));
  record.tally('CopiesPendingVerification', secondary, databases, of(report.pending));
  return report;
});
