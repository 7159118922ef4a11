// Packaging time only: the RDS alarms (README, "Alarms"), on the EMF records the functions write
// (namespace BackupDR; dimensions from the metric catalog, shared/runtime/metric-catalog.ts):
// - in the primary, from check-db-posture's daily records: per database the age of the newest verified
//   copy in the secondary (freshness, the dead man's switch: no fresh datapoint for a day and two hours
//   alarms too), the PITR lag in the primary and — where replicated — in the secondary over the RPO
//   target, a snapshot still without a verified copy after the copy window (the copy took longer than its
//   window), and per region the manual-snapshot quota over the policy's warning ratio (80 %);
// - in the primary, per database: a snapshot that failed (take-db-snapshot, or capture-db-manifest for a
//   restore-tested one), a snapshot that took longer than its `backupWindow` (copy-db-snapshots measures
//   it), and a copy that failed (copy-db-snapshots), from their per-resource records;
// - in the secondary, per database: copies that failed verification (verify-db-snapshots);
// - where the test runs: a restore test (both regions) or PITR test (secondary) that failed, was
//   inconclusive or missed its RTO.
// The copy-age threshold is the one check-db-posture applies (twice the snapshot schedule's interval, at
// least the RPO): a daily snapshot cannot meet a 15-minute RPO — PITR does, and its lag alarm says when not.

import { REPORT_PREFIX } from '../../../shared/contracts.js';
import type { DatabaseResource } from '../../../shared/policy/schema.js';
import { parseScheduleExpression, typicalInterval } from '../../../shared/schedule/expression.js';
import {
  alarmsOf,
  backupDrMetric,
  backupDurationAlarm,
  DAILY_SAMPLE,
  FAILURE_COUNT,
  freshnessHours,
  freshnessWindow,
  restoreTestAlarms,
  seconds,
  spoken,
  type AlarmSpec,
} from '../../core/alarms.js';
import type { Context, Contribution, Deployed } from '../../core/contribution.js';
import { pitrTested, restoreTested } from './scope.js';

const DAY_MS = 86_400_000;

/** The database's RPO target: its own objectives, else the policy's for databases. */
export const rpoOf = (ctx: Context, db: DatabaseResource): number => (db.objectives ?? ctx.policy.objectives.database).rpo;
const rtoOf = (ctx: Context, db: DatabaseResource): number => (db.objectives ?? ctx.policy.objectives.database).rto;

/** How old the newest verified copy may be: twice the snapshot interval (one missed run tolerated), at least the RPO. */
export function copyAgeLimitMs(ctx: Context, db: DatabaseResource, now: number): number {
  const interval = typicalInterval(parseScheduleExpression(db.schedule), ctx.policy.timezone, now);
  return Math.max(Number.isFinite(interval) ? 2 * interval : 2 * DAY_MS, rpoOf(ctx, db));
}

function postureAlarms(ctx: Context, now: number): AlarmSpec[] {
  const { primary, secondary } = ctx.policy.regions;
  const hours = freshnessHours(ctx.policy.rds.postureSchedule, ctx.policy.timezone, now);
  const specs: AlarmSpec[] = [];
  for (const db of ctx.policy.resources.databases) {
    const at = (region: string) => ({ component: 'rds', resource: db.name, region }) as const;
    const limit = copyAgeLimitMs(ctx, db, now);
    const rpo = rpoOf(ctx, db);
    specs.push({
      component: 'rds',
      resource: db.name,
      what: 'verified-copy-age',
      region: secondary,
      ...freshnessWindow(hours),
      threshold: seconds(limit),
      comparison: 'GreaterThanThreshold',
      metric: backupDrMetric('NewestVerifiedCopyAgeSeconds', at(secondary), 'Maximum'),
      description:
        `The newest verified copy of ${db.name} in ${secondary} is older than ${spoken(limit)}, or check-db-posture has reported no age for ${hours} hours (no verified copy, or the check stopped running). ` +
        `Runbook: read the check-db-posture alert and logs; then take-db-snapshot (${primary}), copy-db-snapshots and verify-db-snapshots (${secondary}) logs and alerts, newest first; a copy stuck "creating" in ${secondary} blocks the next.`,
    });
    specs.push({
      component: 'rds',
      resource: db.name,
      what: 'pitr-lag',
      region: primary,
      ...DAILY_SAMPLE,
      threshold: seconds(rpo),
      comparison: 'GreaterThanThreshold',
      metric: backupDrMetric('PitrLagPrimarySeconds', at(primary), 'Maximum'),
      description: `Point-in-time recovery of ${db.name} (${db.instanceId}) in ${primary} lags more than its RPO of ${spoken(rpo)} behind. Runbook: aws rds describe-events --source-identifier ${db.instanceId} for transaction-log upload problems; check automated backups are on; open an AWS support case if it persists.`,
    });
    specs.push({
      component: 'rds',
      resource: db.name,
      what: 'copy-overdue',
      region: secondary,
      ...DAILY_SAMPLE,
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      metric: backupDrMetric('CopyOverdueFindings', at(secondary), 'Maximum'),
      description: `A snapshot of ${db.name} has been waiting more than 6 h for a verified copy in ${secondary}: the copy took longer than its window. Runbook: check copy-db-snapshots (${primary}) and verify-db-snapshots (${secondary}) alerts and logs, and copies stuck "creating" in ${secondary} (rds.maxCopiesInFlight caps how many run at once).`,
    });
    if (db.automatedBackups.replicateToSecondary) {
      specs.push({
        component: 'rds',
        resource: db.name,
        what: 'pitr-lag',
        region: secondary,
        ...DAILY_SAMPLE,
        threshold: seconds(rpo),
        comparison: 'GreaterThanThreshold',
        metric: backupDrMetric('PitrLagSecondarySeconds', at(secondary), 'Maximum'),
        description: `Point-in-time recovery of ${db.name} from its replicated automated backups in ${secondary} lags more than its RPO of ${spoken(rpo)} behind: a regional failover would lose more. Runbook: aws rds describe-db-instance-automated-backups --region ${secondary}; a long snapshot copy of the same database can pause replication; restart it with replicate-db-backups if it stopped.`,
      });
    }
  }
  const warnAt = Math.round(ctx.policy.rds.quotaWarningRatio * 100);
  for (const region of [primary, secondary]) {
    specs.push({
      component: 'rds',
      resource: 'manual-snapshots',
      what: 'quota',
      region,
      ...DAILY_SAMPLE,
      threshold: warnAt,
      comparison: 'GreaterThanThreshold',
      metric: backupDrMetric('ManualSnapshotQuotaPercent', { component: 'rds', region }, 'Maximum'),
      description: `More than ${warnAt} % of the account's manual DB snapshot quota is used in ${region}: at 100 % snapshots and copies fail. Runbook: check prune-db-snapshots runs there and is not refusing (its alerts); delete manual snapshots no longer needed, or request an increase (Service Quotas, "Manual DB instance snapshots").`,
    });
  }
  return specs;
}

function failureAlarms(ctx: Context, deployed: Deployed): AlarmSpec[] {
  const { primary, secondary } = ctx.policy.regions;
  const specs: AlarmSpec[] = [];
  const at = (db: DatabaseResource, region: string) => ({ component: 'rds', resource: db.name, region }) as const;
  if (deployed.functions['take-db-snapshot'] !== undefined) {
    for (const db of ctx.policy.resources.databases) {
      const by = db.restoreTest === undefined ? 'take-db-snapshot' : 'capture-db-manifest';
      specs.push({
        component: 'rds',
        resource: db.name,
        what: 'snapshot-failed',
        region: primary,
        ...FAILURE_COUNT,
        metric: backupDrMetric('SnapshotFailures', at(db, primary), 'Sum'),
        description: `The scheduled snapshot of ${db.name} (${db.instanceId}) failed in ${primary}. Runbook: read the ${by} alert (error name) and logs; fix the cause (instance state, quota, permissions), then invoke ${by} with {"resources": ["${db.name}"]} — it is idempotent.`,
      });
    }
  }
  if (deployed.functions['copy-db-snapshots'] !== undefined) {
    for (const db of ctx.policy.resources.databases) {
      specs.push(
        backupDurationAlarm({
          component: 'rds',
          resource: db.name,
          region: primary,
          windowMs: db.backupWindow,
          description:
            `A snapshot of ${db.name} (${db.instanceId}) in ${primary} took, or has been running, longer than its backup window of ${spoken(db.backupWindow)}. ` +
            `Runbook: aws rds describe-db-snapshots --db-instance-identifier ${db.instanceId} --snapshot-type manual for one stuck "creating" and its PercentProgress; the first snapshot of a large instance, or heavy writes, take longer — raise backupWindow if that is the new normal; open an AWS support case if it does not progress.`,
        }),
        {
          component: 'rds',
          resource: db.name,
          what: 'copy-failed',
          region: secondary,
          ...FAILURE_COUNT,
          metric: backupDrMetric('CopyFailures', at(db, secondary), 'Sum'),
          description: `A cross-region copy of a ${db.name} snapshot to ${secondary} failed. Runbook: read the copy-db-snapshots alert (quota, KMS key in ${secondary}, or the error name) and logs; fix it — the next run (hourly) retries every snapshot still without a copy.`,
        },
      );
    }
  }
  if (deployed.functions['verify-db-snapshots'] !== undefined) {
    for (const db of ctx.policy.resources.databases) {
      specs.push({
        component: 'rds',
        resource: db.name,
        what: 'copy-verification-failed',
        region: secondary,
        ...FAILURE_COUNT,
        metric: backupDrMetric('CopyVerificationFailures', at(db, secondary), 'Sum'),
        description: `verify-db-snapshots found a copy of ${db.name} in ${secondary} that does not match its source (size, encryption key, engine, tags) or is stuck. Runbook: read its alert for the snapshot id and what differed; delete the bad copy so copy-db-snapshots makes it again, and check the KMS key of the secondary.`,
      });
    }
  }
  return specs;
}

function restoreAlarms(ctx: Context, deployed: Deployed): AlarmSpec[] {
  if (deployed.functions['restore-test-record'] === undefined) return [];
  const where = `${REPORT_PREFIX.evidence} in the reports bucket of ${ctx.region}, the restore-test execution in Step Functions`;
  return [
    ...restoreTested(ctx).flatMap((db) => restoreTestAlarms({ component: 'rds', resource: db.name, region: ctx.region, kind: 'snapshot', label: 'restore test', where, rtoMs: rtoOf(ctx, db), inconclusive: true })),
    ...(deployed.stateMachines['pitr-test'] === undefined
      ? []
      : pitrTested(ctx).flatMap((db) => restoreTestAlarms({ component: 'rds', resource: db.name, region: ctx.region, kind: 'pitr', label: 'PITR test', where: where.replace('restore-test', 'pitr-test'), rtoMs: rtoOf(ctx, db), inconclusive: true }))),
  ];
}

export const rdsAlarms: Contribution = {
  component: 'rds',
  name: 'rds/alarms',
  alarms: (ctx, deployed) => {
    // check-db-posture runs in the primary only: its records (and so these alarms) are there.
    const posture = deployed.functions['check-db-posture'] === undefined ? [] : postureAlarms(ctx, Date.now());
    return alarmsOf(ctx, [...posture, ...failureAlarms(ctx, deployed), ...restoreAlarms(ctx, deployed)]);
  },
};
