// copy-db-snapshots: on "manual snapshot created" RDS events and on a fallback schedule (primary region);
// a failed copy is a CopyFailures record of its database (the copy-failed alarm).
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { keyOf } from '../../../shared/aws/kms-keys.js';
import { snapshotEventOrSchedule } from '../../../shared/rds/events.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { recordResourceFailures } from '../../../shared/runtime/metric-records.js';
import { copyDbSnapshots } from './copy-db-snapshots.js';

export const handler = lambdaHandler('copy-db-snapshots', snapshotEventOrSchedule, async (_event, rt) => {
  const report = await copyDbSnapshots({
    policy: rt.policy,
    source: rdsClient(rt.policy.regions.primary),
    target: rdsClient(rt.policy.regions.secondary),
    key: keyOf(rt.policy, 'secondary', rt.stage),
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
  }).catch((error: unknown) => {
    // Per database whose copy failed (a deferred copy is no failure); the copies land in the secondary.
    recordResourceFailures(rt.metrics, 'CopyFailures', error, rt.policy.regions.secondary);
    throw error;
  });
  rt.metrics.addMetric('CopiesStarted', MetricUnit.Count, report.started.length);
  rt.metrics.addMetric('CopiesInFlight', MetricUnit.Count, report.inFlight);
  rt.metrics.addMetric('CopiesWaiting', MetricUnit.Count, report.waiting.length);
  return report;
});
