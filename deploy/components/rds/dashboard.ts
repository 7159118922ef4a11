// Packaging time only: the databases' part of each region's dashboard, from the policy — per database
// its live RPO (the point-in-time-recovery lag of the automated backups in the primary and, replicated,
// in the secondary: the newest moment a restore can reach) against its RPO target, the last restore
// tests' RTO against its RTO target, then snapshots and copies over time, the newest verified copy's
// age, the manual-snapshot quota of both regions, pruning and the restore-test history. Every metric
// with the dimensions its function publishes it with (functions/rds/*/handler.ts) and in the region the
// function runs in: check-db-posture (PITR lag, copy age, quota of both regions), take-db-snapshot,
// copy-db-snapshots and check-db-anomalies in the primary; verify-db-snapshots in the secondary;
// prune-db-snapshots and restore-test-record in both.

import type { Context, Contribution, DashboardWidget } from '../../core/contribution.js';
import { backupDrMetric, DAY_SECONDS, graph, placed, RESTORE_TEST_RANGE, tile, type MetricRef } from '../../core/widgets.js';

const ROW = 'Databases (RDS): snapshots, copies, quota, pruning, restore tests';
const OUTCOMES = [
  ['RestoreTestPassed', 'passed'],
  ['RestoreTestFailed', 'failed'],
  ['RestoreTestInconclusive', 'inconclusive'],
] as const;

type Database = Context['policy']['resources']['databases'][number];

const objectivesOf = (ctx: Context, db: Database) => db.objectives ?? ctx.policy.objectives.database;

/** The restore tests a database has: weekly from a snapshot (its restoreTest.region), monthly point in time (secondary). */
function restoreTestsOf(ctx: Context, db: Database): { kind: 'snapshot' | 'pitr'; region: string }[] {
  return [
    ...(db.restoreTest === undefined ? [] : [{ kind: 'snapshot' as const, region: db.restoreTest.region === 'secondary' ? ctx.secondary : ctx.primary }]),
    ...(db.pitrTest === undefined ? [] : [{ kind: 'pitr' as const, region: ctx.secondary }]),
  ];
}

/** RestoreRtoSeconds and the outcome counts: restore-test-record adds resource and kind. */
const restoreMetric = (name: string, db: Database, test: { kind: string; region: string }, label: string, stat: MetricRef['stat']): MetricRef =>
  backupDrMetric(name, { resource: db.name, kind: test.kind }, { region: test.region, label, stat, period: DAY_SECONDS });

function recoveryPoint(ctx: Context, db: Database): DashboardWidget {
  const lag = (name: string, region: string, where: string) => backupDrMetric(name, { resource: db.name }, { region: ctx.primary, label: `PITR lag ${where} (${region})`, stat: 'Maximum', period: DAY_SECONDS });
  const metrics = [lag('PitrLagPrimarySeconds', ctx.primary, 'primary'), ...(db.automatedBackups.replicateToSecondary ? [lag('PitrLagSecondarySeconds', ctx.secondary, 'secondary')] : [])];
  return placed('recovery-points', 'Live RPO', tile({ title: `${db.name} (database) — live RPO, seconds`, region: ctx.primary, metrics, target: { label: 'RPO target', seconds: objectivesOf(ctx, db).rpo / 1000 } }), [db.name]);
}

function restoreTime(ctx: Context, db: Database): DashboardWidget[] {
  const tests = restoreTestsOf(ctx, db);
  if (tests.length === 0) return [];
  const metrics = tests.map((t) => restoreMetric('RestoreRtoSeconds', db, t, `${t.kind} restore (${t.region})`, 'Maximum'));
  return [placed('restore-tests', 'Restore tests: RTO', tile({ title: `${db.name} (database) — last restore test RTO, seconds`, region: ctx.primary, start: RESTORE_TEST_RANGE, metrics, target: { label: 'RTO target', seconds: objectivesOf(ctx, db).rto / 1000 } }), [db.name])];
}

function componentRows(ctx: Context): DashboardWidget[] {
  const { primary, secondary } = ctx;
  const databases = ctx.policy.resources.databases;
  const daily = (name: string, region: string, label: string, stat: MetricRef['stat'] = 'Sum') => backupDrMetric(name, {}, { region, label, stat, period: DAY_SECONDS });
  const quota = ctx.policy.rds.quotaWarningRatio * 100;
  const widgets = [
    graph({
      title: 'Snapshots: taken, failed, anomalies (per day)',
      region: primary,
      metrics: [daily('SnapshotsRequested', primary, 'requested'), daily('SnapshotFailures', primary, 'failed'), daily('BackupAnomalies', primary, 'anomalies')],
      red: ['SnapshotFailures', 'BackupAnomalies'],
    }),
    graph({
      title: `Copies to ${secondary}: started, in flight, verified, failed`,
      region: primary,
      metrics: [
        daily('CopiesStarted', primary, 'started'),
        daily('CopiesInFlight', primary, 'in flight', 'Maximum'),
        daily('CopiesWaiting', primary, 'waiting', 'Maximum'),
        daily('CopiesVerified', secondary, 'verified'),
        daily('CopiesPendingVerification', secondary, 'pending verification', 'Maximum'),
        daily('CopyVerificationFailures', secondary, 'verification failed'),
      ],
      red: ['CopyVerificationFailures'],
    }),
    graph({
      title: 'Newest verified copy: age, seconds',
      region: primary,
      metrics: databases.map((db) => backupDrMetric('NewestVerifiedCopyAgeSeconds', { resource: db.name }, { region: primary, label: db.name, stat: 'Maximum', period: DAY_SECONDS })),
    }),
    graph({
      title: 'Manual snapshot quota, % used',
      region: primary,
      metrics: [primary, secondary].map((region) => backupDrMetric('ManualSnapshotQuotaPercent', { region }, { region: primary, label: region, stat: 'Maximum', period: DAY_SECONDS })),
      threshold: { label: `warning at ${quota} %`, value: quota },
    }),
    graph({
      title: 'Pruned: snapshots deleted and kept',
      region: primary,
      metrics: [primary, secondary].flatMap((region) => [daily('SnapshotsDeleted', region, `deleted (${region})`), daily('SnapshotsKept', region, `kept (${region})`, 'Maximum')]),
    }),
  ];
  const tested = databases.flatMap((db) => restoreTestsOf(ctx, db).map((test) => ({ db, test })));
  if (tested.length > 0) {
    widgets.push(
      graph({
        title: 'Restore tests: outcomes (per day)',
        region: primary,
        metrics: tested.flatMap(({ db, test }) => OUTCOMES.map(([name, outcome]) => restoreMetric(name, db, test, `${db.name} ${test.kind} ${outcome}`, 'Sum'))),
        red: ['RestoreTestFailed', 'RestoreTestInconclusive'],
      }),
      graph({
        title: 'Restore tests: RTO, seconds',
        region: primary,
        metrics: tested.map(({ db, test }) => restoreMetric('RestoreRtoSeconds', db, test, `${db.name} ${test.kind} (${test.region})`, 'Maximum')),
      }),
    );
  }
  return widgets.map((widget) => placed('component', ROW, widget));
}

export const rdsDashboard: Contribution = {
  component: 'rds',
  name: 'rds/dashboard',
  dashboardWidgets: (ctx) => {
    const databases = ctx.policy.resources.databases;
    if (databases.length === 0) return [];
    return [...databases.map((db) => recoveryPoint(ctx, db)), ...databases.flatMap((db) => restoreTime(ctx, db)), ...componentRows(ctx)];
  },
};
