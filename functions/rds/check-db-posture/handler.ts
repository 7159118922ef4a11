// check-db-posture: daily in the primary region; findings are alerts, figures are metrics — per database
// with the region of what each measures: the PITR lag of the primary's automated backups and the
// findings (primary), the replicated backups' lag, the newest verified copy's age and the copy backlog
// (secondary); the manual-snapshot quota per region.
import { kmsClient } from '../../../shared/aws/kms-client.js';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { scheduleEvent } from '../../../shared/rds/events.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
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
  const { primary, secondary } = rt.policy.regions;
  const record = metricRecorder(rt.metrics, 'rds');
  const inSeconds = (ms: number | null) => (ms === null ? null : ms / 1000);
  for (const db of report.databases) {
    record.resource(db.resource, primary, [
      ['PitrLagPrimarySeconds', inSeconds(db.figures.primaryPitrLag)],
      ['PostureFindings', db.findings.length],
    ]);
    record.resource(db.resource, secondary, [
      ['PitrLagSecondarySeconds', inSeconds(db.figures.secondaryPitrLag)],
      ['NewestVerifiedCopyAgeSeconds', inSeconds(db.figures.newestVerifiedCopyAge)],
      // 1 when a snapshot older than the copy window has no verified copy: the copy took longer than its window.
      ['CopyOverdueFindings', db.findings.filter((f) => f.check === 'copy-backlog').length],
    ]);
  }
  for (const q of report.quota) {
    record.run(q.region, [
      ['ManualSnapshotsUsed', q.used],
      ['ManualSnapshotQuotaPercent', q.max > 0 ? (100 * q.used) / q.max : 0],
    ]);
  }
  return report;
});
