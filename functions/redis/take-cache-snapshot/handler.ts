// take-cache-snapshot: invoked by EventBridge Scheduler (every 6 hours in the team's policy, policy time zone) or by hand.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { scheduledCacheRunEvent } from '../../../shared/redis/events.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { recordResourceFailures } from '../../../shared/runtime/metric-records.js';
import { takeCacheSnapshots } from './take-cache-snapshot.js';

export const handler = lambdaHandler('take-cache-snapshot', scheduledCacheRunEvent, async (event, rt) => {
  const deps = { policy: rt.policy, elasticache: elastiCacheClient(rt.policy.regions.primary), alerts: rt.alerts, log: rt.log, now: rt.now };
  const outcomes = await takeCacheSnapshots(deps, event).catch((error: unknown) => {
    rt.metrics.addMetric('CacheSnapshotFailures', MetricUnit.Count, 1);
    recordResourceFailures(rt.metrics, 'CacheSnapshotFailures', error, rt.policy.regions.primary);
    throw error;
  });
  rt.metrics.addMetric('CacheSnapshotsRequested', MetricUnit.Count, outcomes.filter((o) => o.status === 'created').length);
  return { outcomes };
});
