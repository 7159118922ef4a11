// Packaging time only: the databases' part of each region's dashboard, from the policy — per database
// its live RPO (the point-in-time-recovery lag of the automated backups in the primary and, replicated,
// in the secondary: the newest moment a restore can reach) against its RPO target, the last restore
// tests' RTO against its RTO target, then snapshots (taken, failed, how long against the backup window,
// how big), copies, the newest verified copy's age, the manual-snapshot quota of both regions, pruning
// and the restore-test history. Every metric with the dimensions of the metric catalog
// (shared/runtime/metric-catalog.ts) and read in the region its function runs in: check-db-posture (PITR
// lag, copy age, quota of both regions), take-db-snapshot, capture-db-manifest, copy-db-snapshots and
// check-db-anomalies in the primary; verify-db-snapshots in the secondary; prune-db-snapshots and
// restore-test-record in both.

import type { Context, Contribution, DashboardWidget } from '../../core/contribution.js';
import type { MetricName } from '../../../shared/runtime/metric-catalog.js';
import { backupDrMetric, DAY_SECONDS, graph, placed, RESTORE_TEST_RANGE, tile, type MetricRef } from '../../core/widgets.js';

const ROW = 'Databases (RDS): snapshots, duration and size, copies, quota, pruning, restore tests';
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

/** RestoreRtoSeconds and the outcome counts: restore-test-record writes them where the test runs, with its kind. */
const restoreMetric = (name: 'RestoreTestPassed' | 'RestoreTestFailed' | 'RestoreTestInconclusive' | 'RestoreRtoSeconds', db: Database, test: { kind: string; region: string }, label: string, stat: MetricRef['stat']): MetricRef =>
  backupDrMetric(name, { component: 'rds', resource: db.name, region: test.region, kind: test.kind }, { region: test.region, label, stat, period: DAY_SECONDS });

/** A per-database figure: `region` is the measured thing's (a dimension), `publishedIn` where its function runs. */
const perDb = (name: MetricName, db: Database, region: string, publishedIn: string, label: string, stat: MetricRef['stat'] = 'Sum', period = DAY_SECONDS): MetricRef =>
  backupDrMetric(name, { component: 'rds', resource: db.name, region }, { region: publishedIn, label, stat, period });

function recoveryPoint(ctx: Context, db: Database): DashboardWidget {
  const metrics = [
    perDb('PitrLagPrimarySeconds', db, ctx.primary, ctx.primary, `PITR lag primary (${ctx.primary})`, 'Maximum'),
    ...(db.automatedBackups.replicateToSecondary ? [perDb('PitrLagSecondarySeconds', db, ctx.secondary, ctx.primary, `PITR lag secondary (${ctx.secondary})`, 'Maximum')] : []),
  ];
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
  const quota = ctx.policy.rds.quotaWarningRatio * 100;
  const windows = [...new Set(databases.map((db) => db.backupWindow))].map((ms) => ({ label: `window ${databases.filter((db) => db.backupWindow === ms).map((db) => db.name).join(', ')}`, value: ms / 1000 }));
  const widgets = [
    graph({
      title: 'Snapshots: requested, failed, anomalies (per day)',
      region: primary,
      metrics: databases.flatMap((db) => [
        perDb('SnapshotsRequested', db, primary, primary, `${db.name} requested`),
        perDb('SnapshotFailures', db, primary, primary, `${db.name} failed`),
        perDb('BackupAnomalies', db, primary, primary, `${db.name} anomalies`),
      ]),
      red: ['SnapshotFailures', 'BackupAnomalies'],
    }),
    graph({
      title: 'Snapshot duration (longest per hour), seconds, against the backup window',
      region: primary,
      metrics: databases.map((db) => perDb('BackupDurationSeconds', db, primary, primary, db.name, 'Maximum', 3_600)),
      threshold: windows,
    }),
    graph({ title: 'Snapshot size (allocated storage), bytes', region: primary, metrics: databases.map((db) => perDb('BackupSizeBytes', db, primary, primary, db.name, 'Maximum')) }),
    graph({
      title: `Copies to ${secondary}: started, waiting, in flight, verified, failed (per day)`,
      region: primary,
      metrics: [
        backupDrMetric('CopiesInFlight', { component: 'rds', region: secondary }, { region: primary, label: 'in flight (all)', stat: 'Maximum', period: DAY_SECONDS }),
        ...databases.flatMap((db) => [
          perDb('CopiesStarted', db, secondary, primary, `${db.name} started`),
          perDb('CopiesWaiting', db, secondary, primary, `${db.name} waiting`, 'Maximum'),
          perDb('CopyFailures', db, secondary, primary, `${db.name} copy failed`),
          perDb('CopiesVerified', db, secondary, secondary, `${db.name} verified`),
          perDb('CopiesPendingVerification', db, secondary, secondary, `${db.name} pending verification`, 'Maximum'),
          perDb('CopyVerificationFailures', db, secondary, secondary, `${db.name} verification failed`),
        ]),
      ],
      red: ['CopyFailures', 'CopyVerificationFailures'],
    }),
    graph({
      title: 'Newest verified copy: age, seconds',
      region: primary,
      metrics: databases.map((db) => perDb('NewestVerifiedCopyAgeSeconds', db, secondary, primary, `${db.name} (${secondary})`, 'Maximum')),
    }),
    graph({
      title: 'Manual snapshot quota, % used',
      region: primary,
      metrics: [primary, secondary].map((region) => backupDrMetric('ManualSnapshotQuotaPercent', { component: 'rds', region }, { region: primary, label: region, stat: 'Maximum', period: DAY_SECONDS })),
      threshold: { label: `warning at ${quota} %`, value: quota },
    }),
    graph({
      title: 'Pruned: snapshots deleted and kept',
      region: primary,
      metrics: [primary, secondary].flatMap((region) =>
        databases.flatMap((db) => [perDb('SnapshotsDeleted', db, region, region, `${db.name} deleted (${region})`), perDb('SnapshotsKept', db, region, region, `${db.name} kept (${region})`, 'Maximum')]),
      ),
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
