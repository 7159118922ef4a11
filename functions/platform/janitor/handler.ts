// janitor: hourly in each region; removes restore-test instances and cache restore-test groups that outlived every test execution.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { scheduleEvent } from '../../../shared/rds/events.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { runJanitor } from './janitor.js';

export const handler = lambdaHandler('janitor', scheduleEvent, async (_event, rt) => {
  const result = await runJanitor({ policy: rt.policy, region: rt.region, rds: rdsClient(rt.region), elasticache: elastiCacheClient(rt.region), alerts: rt.alerts, log: rt.log, now: rt.now });
  rt.metrics.addMetric('LeakedInstancesDeleted', MetricUnit.Count, result.instances.deleted.length);
  rt.metrics.addMetric('LeakedCacheGroupsDeleted', MetricUnit.Count, result.cacheGroups.deleted.length);
  return result;
});
