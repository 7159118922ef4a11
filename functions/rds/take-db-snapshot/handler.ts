// take-db-snapshot: invoked by EventBridge Scheduler (daily, policy time zone) or by hand. Per database of
// the run a SnapshotsRequested record, or a SnapshotFailures record when its request failed (the
// snapshot-failed alarm), in the primary.
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { scheduledRunEvent } from '../../../shared/rds/events.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { takeDbSnapshots } from './take-db-snapshot.js';

export const handler = lambdaHandler('take-db-snapshot', scheduledRunEvent, async (event, rt) => {
  const primary = rt.policy.regions.primary;
  const record = metricRecorder(rt.metrics, 'rds');
  const outcomes = await takeDbSnapshots({ policy: rt.policy, rds: rdsClient(primary), alerts: rt.alerts, log: rt.log, now: rt.now }, event).catch((error: unknown) => {
    record.failures('SnapshotFailures', error, primary);
    throw error;
  });
  record.tally('SnapshotsRequested', primary, outcomes.map((o) => o.resource), outcomes.filter((o) => o.status === 'created').map((o) => o.resource));
  return { outcomes };
});
