// take-cache-snapshot: invoked by EventBridge Scheduler (every 6 hours in the team's policy, policy time
// zone) or by hand. Per cache of the run a CacheSnapshotsRequested record, or a CacheSnapshotFailures
// record when its request failed (the snapshot-failed alarm), in the primary.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { scheduledCacheRunEvent } from '../../../shared/redis/events.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { takeCacheSnapshots } from './take-cache-snapshot.js';

export const handler = lambdaHandler('take-cache-snapshot', scheduledCacheRunEvent, async (event, rt) => {
  const primary = rt.policy.regions.primary;
  const record = metricRecorder(rt.metrics, 'redis');
  const deps = { policy: rt.policy, elasticache: elastiCacheClient(primary), alerts: rt.alerts, log: rt.log, now: rt.now };
  const outcomes = await takeCacheSnapshots(deps, event).catch((error: unknown) => {
    record.failures('CacheSnapshotFailures', error, primary);
    throw error;
  });
  record.tally('CacheSnapshotsRequested', primary, outcomes.map((o) => o.resource), outcomes.filter((o) => o.status === 'created').map((o) => o.resource));
  return { outcomes };
});
