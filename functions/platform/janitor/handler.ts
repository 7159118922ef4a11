// janitor: hourly in each region; removes restore-test instances that outlived every test execution.
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { scheduleEvent } from '../../../shared/rds/events.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { cleanUpLeakedInstances } from './janitor.js';

export const handler = lambdaHandler('janitor', scheduleEvent, async (_event, rt) => {
  const result = await cleanUpLeakedInstances({ policy: rt.policy, region: rt.region, rds: rdsClient(rt.region), alerts: rt.alerts, log: rt.log, now: rt.now });
  rt.metrics.addMetric('LeakedInstancesDeleted', MetricUnit.Count, result.deleted.length);
  return result;
});
