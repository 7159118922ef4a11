// janitor: hourly in each region; removes restore-test instances and cache restore-test groups that
// outlived every test execution, and handles what full recoveries replaced (deleted with a final snapshot
// past keep-until when ours, stopped again when RDS restarted it, else alerted once). LeakedInstancesDeleted,
// ReplacedInstancesDeleted, ReplacedInstancesStopped (component rds), LeakedCacheGroupsDeleted,
// ReplacedCacheGroupsDeleted (redis) for the run, in this region; ReplacedKeptPastKeepUntil per component.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { scheduleEvent } from '../../../shared/rds/events.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { runHourly } from './janitor.js';

export const handler = lambdaHandler('janitor', scheduleEvent, async (_event, rt) => {
  const result = await runHourly({
    policy: rt.policy,
    region: rt.region,
    rds: rdsClient(rt.region),
    elasticache: elastiCacheClient(rt.region),
    alerts: rt.alerts,
    memory: { s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket) },
    log: rt.log,
    now: rt.now,
  });
  metricRecorder(rt.metrics, 'rds').run(rt.region, [
    ['LeakedInstancesDeleted', result.instances.deleted.length],
    ['ReplacedInstancesDeleted', result.replacedInstances.deleted.length],
    ['ReplacedInstancesStopped', result.replacedInstances.stopped.length],
    ['ReplacedKeptPastKeepUntil', result.replacedInstances.kept.length],
  ]);
  metricRecorder(rt.metrics, 'redis').run(rt.region, [
    ['LeakedCacheGroupsDeleted', result.cacheGroups.deleted.length],
    ['ReplacedCacheGroupsDeleted', result.replacedCacheGroups.deleted.length],
    ['ReplacedKeptPastKeepUntil', result.replacedCacheGroups.kept.length],
  ]);
  return result;
});
