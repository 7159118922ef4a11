// check-db-posture: daily in the primary region; findings are alerts, figures are metrics.
import { kmsClient } from '../../../shared/aws/kms-client.js';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { scheduleEvent } from '../../../shared/rds/events.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { recordMetrics } from '../../../shared/runtime/metric-records.js';
import { checkDbPosture } from './check-db-posture.js';

export const handler = lambdaHandler('check-db-posture', scheduleEvent, async (_event, rt) => {
  const report = await checkDbPosture({
    policy: rt.policy,
    primary: rdsClient(rt.policy.regions.primary),
    secondary: rdsClient(rt.policy.regions.secondary),
    kms: kmsClient,
    stage: rt.stage,
    alerts: rt.alerts,
    memory: { s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket) },
    log: rt.log,
    now: rt.now,
  });
  const inSeconds = (ms: number | null) => (ms === null ? null : ms / 1000);
  for (const db of report.databases) {
    recordMetrics(rt.metrics, { resource: db.resource }, [
      ['PitrLagPrimarySeconds', MetricUnit.Seconds, inSeconds(db.figures.primaryPitrLag)],
      ['PitrLagSecondarySeconds', MetricUnit.Seconds, inSeconds(db.figures.secondaryPitrLag)],
      ['NewestVerifiedCopyAgeSeconds', MetricUnit.Seconds, inSeconds(db.figures.newestVerifiedCopyAge)],
      ['PostureFindings', MetricUnit.Count, db.findings.length],
      // 1 when a snapshot older than the copy window has no verified copy: the copy took longer than its window.
      ['CopyOverdueFindings', MetricUnit.Count, db.findings.filter((f) => f.check === 'copy-backlog').length],
    ]);
  }
  for (const q of report.quota) {
    recordMetrics(rt.metrics, { region: q.region }, [
      ['ManualSnapshotsUsed', MetricUnit.Count, q.used],
      ['ManualSnapshotQuotaPercent', MetricUnit.Percent, q.max > 0 ? (100 * q.used) / q.max : 0],
    ]);
  }
  return report;
});
