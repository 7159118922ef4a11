// check-schedules: daily in each region that runs functions; a declared schedule gone or not ENABLED is an
// alert of its component, the findings and the number checked are metrics (the latter the dead man's switch).
import { s3Client } from '../../../shared/aws/s3-client.js';
import { schedulerClient } from '../../../shared/aws/scheduler-client.js';
import { ENV, scheduleNamePrefix } from '../../../shared/contracts.js';
import { scheduleEvent } from '../../../shared/rds/events.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { asMetricComponent } from '../../../shared/runtime/metric-catalog.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { parseDeclaredSchedules } from '../../../shared/schedule/declared.js';
import { checkSchedules, SCHEDULES_RESOURCE } from './check-schedules.js';

export const handler = lambdaHandler('check-schedules', scheduleEvent, async (_event, rt) => {
  const report = await checkSchedules({
    scheduler: schedulerClient(rt.region),
    stage: rt.stage,
    region: rt.region,
    declared: parseDeclaredSchedules(requireEnv(ENV.declaredSchedules), scheduleNamePrefix(rt.stage)),
    alerts: rt.alerts,
    memory: { s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket) },
    log: rt.log,
    now: rt.now,
  });
  for (const { component, findings } of report.components) {
    metricRecorder(rt.metrics, asMetricComponent(component)).resource(SCHEDULES_RESOURCE, rt.region, [['PostureFindings', findings.length]]);
  }
  // Written every run, whatever it found: its alarm treats silence as breaching (this check's own schedule disabled).
  metricRecorder(rt.metrics, 'platform').resource(SCHEDULES_RESOURCE, rt.region, [['SchedulesChecked', report.checked]]);
  return report;
});
