// copy-db-snapshots: on "manual snapshot created" RDS events and on a fallback schedule (primary region).
// Records, per database: CopiesStarted and CopiesWaiting, or CopyFailures when its copy failed (the
// copy-failed alarm) — in the secondary, where the copies are; CopiesInFlight for the run (the cap is
// the secondary's); and each snapshot's BackupDurationSeconds and BackupSizeBytes (plan.ts,
// backupFigures) in the primary, where the snapshots are.
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { keyOf } from '../../../shared/aws/kms-keys.js';
import { snapshotCreatedBy, snapshotEventOrSchedule } from '../../../shared/rds/events.js';
import { databaseOfSnapshotId } from '../../../shared/rds/naming.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { copyDbSnapshots } from './copy-db-snapshots.js';

export const handler = lambdaHandler('copy-db-snapshots', snapshotEventOrSchedule, async (event, rt) => {
  const { primary, secondary } = rt.policy.regions;
  const record = metricRecorder(rt.metrics, 'rds');
  const report = await copyDbSnapshots(
    {
      policy: rt.policy,
      source: rdsClient(primary),
      target: rdsClient(secondary),
      key: keyOf(rt.policy, 'secondary', rt.stage),
      alerts: rt.alerts,
      log: rt.log,
      now: rt.now,
      measured: (backups) => {
        for (const b of backups) {
          record.resource(b.resource, primary, [
            ['BackupDurationSeconds', b.durationMs / 1000],
            ['BackupSizeBytes', b.sizeBytes],
          ]);
        }
      },
    },
    snapshotCreatedBy(event),
  ).catch((error: unknown) => {
    // Per database whose copy failed (a deferred copy is no failure).
    record.failures('CopyFailures', error, secondary);
    throw error;
  });
  const databases = rt.policy.resources.databases.map((db) => db.name);
  const of = (ids: readonly string[]) => ids.map((id) => databaseOfSnapshotId(id, databases)).filter((name) => name !== null);
  record.tally('CopiesStarted', secondary, databases, of(report.started));
  record.tally('CopiesWaiting', secondary, databases, of(report.waiting));
  record.run(secondary, [['CopiesInFlight', report.inFlight]]);
  return report;
});
