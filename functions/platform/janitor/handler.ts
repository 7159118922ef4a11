// janitor: hourly in each region; removes restore-test instances and cache restore-test groups that
// outlived every test execution. LeakedInstancesDeleted (component rds) and LeakedCacheGroupsDeleted
// (redis) for the run, in this region.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { scheduleEvent } from '../../../shared/rds/events.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { runJanitor } from './janitor.js';

export const handler = lambdaHandler('janitor', scheduleEvent, async (_event, rt) => {
  const result = await runJanitor({ policy: rt.policy, region: rt.region, rds: rdsClient(rt.region), elasticache: elastiCacheClient(rt.region), alerts: rt.alerts, log: rt.log, now: rt.now });
  metricRecorder(rt.metrics, 'rds').run(rt.region, [['LeakedInstancesDeleted', result.instances.deleted.length]]);
  metricRecorder(rt.metrics, 'redis').run(rt.region, [['LeakedCacheGroupsDeleted', result.cacheGroups.deleted.length]]);
  return result;
});
