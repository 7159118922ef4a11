// check-db-posture: daily in the primary region; findings are alerts, figures are metrics.
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { scheduleEvent } from '../../../shared/rds/events.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { checkDbPosture } from './check-db-posture.js';

export const handler = lambdaHandler('check-db-posture', scheduleEvent, async (_event, rt) => {
  const report = await checkDbPosture({
    policy: rt.policy,
    primary: rdsClient(rt.policy.regions.primary),
    secondary: rdsClient(rt.policy.regions.secondary),
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
  });
  for (const db of report.databases) {
    const metric = rt.metrics.singleMetric();
    metric.addDimension('resource', db.resource);
    if (db.figures.primaryPitrLag !== null) metric.addMetric('PitrLagPrimarySeconds', MetricUnit.Seconds, db.figures.primaryPitrLag / 1000);
    if (db.figures.secondaryPitrLag !== null) metric.addMetric('PitrLagSecondarySeconds', MetricUnit.Seconds, db.figures.secondaryPitrLag / 1000);
    if (db.figures.newestVerifiedCopyAge !== null) metric.addMetric('NewestVerifiedCopyAgeSeconds', MetricUnit.Seconds, db.figures.newestVerifiedCopyAge / 1000);
    metric.addMetric('PostureFindings', MetricUnit.Count, db.findings.length);
  }
  for (const q of report.quota) {
    const metric = rt.metrics.singleMetric();
    metric.addDimension('region', q.region);
    metric.addMetric('ManualSnapshotsUsed', MetricUnit.Count, q.used);
    metric.addMetric('ManualSnapshotQuotaPercent', MetricUnit.Percent, q.max > 0 ? (100 * q.used) / q.max : 0);
  }
  return report;
});
