// verify-db-snapshots: on "copy completed" RDS events and on a fallback schedule (secondary region).
import { kmsClient } from '../../../shared/aws/kms-client.js';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { keyOf } from '../../../shared/aws/kms-keys.js';
import { snapshotEventOrSchedule } from '../../../shared/rds/events.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { verifyDbSnapshots } from './verify-db-snapshots.js';

export const handler = lambdaHandler('verify-db-snapshots', snapshotEventOrSchedule, async (_event, rt) => {
  const report = await verifyDbSnapshots({
    policy: rt.policy,
    source: rdsClient(rt.policy.regions.primary),
    target: rdsClient(rt.policy.regions.secondary),
    kms: kmsClient(rt.policy.regions.secondary),
    key: keyOf(rt.policy, 'secondary', rt.stage),
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
  }).catch((error: unknown) => {
    rt.metrics.addMetric('CopyVerificationFailures', MetricUnit.Count, 1);
    throw error;
  });
  rt.metrics.addMetric('CopiesVerified', MetricUnit.Count, report.verified.length);
  rt.metrics.addMetric('CopiesPendingVerification', MetricUnit.Count, report.pending.length);
  return report;
});
