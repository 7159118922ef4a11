// take-db-snapshot: invoked by EventBridge Scheduler (daily, policy time zone) or by hand.
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { scheduledRunEvent } from '../../../shared/rds/events.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { recordResourceFailures } from '../../../shared/runtime/metric-records.js';
import { takeDbSnapshots } from './take-db-snapshot.js';

export const handler = lambdaHandler('take-db-snapshot', scheduledRunEvent, async (event, rt) => {
  const outcomes = await takeDbSnapshots({ policy: rt.policy, rds: rdsClient(rt.policy.regions.primary), alerts: rt.alerts, log: rt.log, now: rt.now }, event).catch((error: unknown) => {
    rt.metrics.addMetric('SnapshotFailures', MetricUnit.Count, 1);
    recordResourceFailures(rt.metrics, 'SnapshotFailures', error, rt.policy.regions.primary);
    throw error;
  });
  rt.metrics.addMetric('SnapshotsRequested', MetricUnit.Count, outcomes.filter((o) => o.status === 'created').length);
  return { outcomes };
});
