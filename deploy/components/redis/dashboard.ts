// Packaging time only: the caches' part of each region's dashboard, from the policy — per cache its live
// RPO (the age of the newest verified export in each region, from check-cache-posture, which runs in
// both) against its RPO target, the last restore test's RTO against its RTO target, then snapshots (taken,
// failed, how long against the backup window, how big their exports are), exports and their
// verification over time, the export bucket's replication to the secondary (S3 Replication Time Control
// metrics of its rule), pruning, the export buckets' storage and the restore-test history. Every metric
// with the dimensions of the metric catalog (shared/runtime/metric-catalog.ts), read in the region its
// function runs in: take-cache-snapshot, capture-cache-manifest and export-cache-snapshots in the
// primary; verify-cache-exports, prune-cache-backups, check-cache-posture and cache-restore-test-record
// in both.

import { exportBucketName } from '../../../shared/contracts.js';
import { ACCOUNT } from '../../core/cloudformation.js';
import type { Context, Contribution, DashboardWidget } from '../../core/contribution.js';
import type { MetricName } from '../../../shared/runtime/metric-catalog.js';
import { backupDrMetric, bucketStorage, DAY_SECONDS, graph, placed, RESTORE_TEST_RANGE, tile, type MetricRef } from '../../core/widgets.js';

const ROW = 'Caches (ElastiCache Redis): snapshots, duration and size, exports, replication, pruning, restore tests';
/** The export bucket's replication rule (components/redis/exports.ts). */
const EXPORT_RULE = 'exports-to-secondary';
const KIND = 'cache-restore';
const OUTCOMES = [
  ['RestoreTestPassed', 'passed'],
  ['RestoreTestFailed', 'failed'],
  ['RestoreTestInconclusive', 'inconclusive'],
] as const;

type Cache = Context['policy']['resources']['caches'][number];

const objectivesOf = (ctx: Context, cache: Cache) => cache.objectives ?? ctx.policy.objectives.redis;
const testRegionOf = (ctx: Context, cache: Cache) => (cache.restoreTest?.region === 'secondary' ? ctx.secondary : ctx.primary);
const restoreMetric = (ctx: Context, name: 'RestoreTestPassed' | 'RestoreTestFailed' | 'RestoreTestInconclusive' | 'RestoreRtoSeconds', cache: Cache, label: string, stat: MetricRef['stat']): MetricRef =>
  backupDrMetric(name, { component: 'redis', resource: cache.name, region: testRegionOf(ctx, cache), kind: KIND }, { region: testRegionOf(ctx, cache), label, stat, period: DAY_SECONDS });

/** A per-cache figure, measured in `region` and published there (every Redis function writes its own region's). */
const perCache = (name: MetricName, cache: Cache, region: string, label: string, stat: MetricRef['stat'] = 'Sum', period = DAY_SECONDS): MetricRef =>
  backupDrMetric(name, { component: 'redis', resource: cache.name, region }, { region, label, stat, period });

function recoveryPoint(ctx: Context, cache: Cache): DashboardWidget {
  const metrics = [ctx.primary, ctx.secondary].map((region) =>
    perCache('NewestVerifiedExportAgeSeconds', cache, region, `newest verified export (${region})`, 'Maximum'),
  );
  return placed('recovery-points', 'Live RPO', tile({ title: `${cache.name} (cache) — live RPO, seconds`, region: ctx.primary, metrics, target: { label: 'RPO target', seconds: objectivesOf(ctx, cache).rpo / 1000 } }), [cache.name]);
}

function restoreTime(ctx: Context, cache: Cache): DashboardWidget[] {
  if (cache.restoreTest === undefined) return [];
  const metrics = [restoreMetric(ctx, 'RestoreRtoSeconds', cache, `restore (${testRegionOf(ctx, cache)})`, 'Maximum')];
  return [placed('restore-tests', 'Restore tests: RTO', tile({ title: `${cache.name} (cache) — last restore test RTO, seconds`, region: ctx.primary, start: RESTORE_TEST_RANGE, metrics, target: { label: 'RTO target', seconds: objectivesOf(ctx, cache).rto / 1000 } }), [cache.name])];
}

/** An S3 replication metric of the export bucket's rule: published in the source bucket's region. */
function exportReplication(ctx: Context, name: string, label: string): MetricRef {
  return {
    namespace: 'AWS/S3',
    name,
    dimensions: { SourceBucket: exportBucketName(ctx.stage, ACCOUNT, ctx.primary), DestinationBucket: exportBucketName(ctx.stage, ACCOUNT, ctx.secondary), RuleId: EXPORT_RULE },
    region: ctx.primary,
    label,
    stat: name === 'OperationsFailedReplication' ? 'Sum' : 'Maximum',
    period: 300,
  };
}

function componentRows(ctx: Context): DashboardWidget[] {
  const { primary, secondary } = ctx;
  const caches = ctx.policy.resources.caches;
  const windows = [...new Set(caches.map((cache) => cache.backupWindow))].map((ms) => ({ label: `window ${caches.filter((c) => c.backupWindow === ms).map((c) => c.name).join(', ')}`, value: ms / 1000 }));
  const widgets = [
    graph({
      title: 'Snapshots and manifests: taken, failed (per day)',
      region: primary,
      metrics: caches.flatMap((cache) => [
        perCache('CacheSnapshotsRequested', cache, primary, `${cache.name} snapshots requested`),
        perCache('CacheSnapshotFailures', cache, primary, `${cache.name} snapshot failed`),
        perCache('CacheManifestsCaptured', cache, primary, `${cache.name} manifests captured`),
        perCache('CacheManifestFailures', cache, primary, `${cache.name} manifest failed`),
      ]),
      red: ['CacheSnapshotFailures', 'CacheManifestFailures'],
    }),
    graph({
      title: 'Snapshot duration (longest per hour), seconds, against the backup window',
      region: primary,
      metrics: caches.map((cache) => perCache('BackupDurationSeconds', cache, primary, cache.name, 'Maximum', 3_600)),
      threshold: windows,
    }),
    graph({ title: 'Export size (every node group), bytes', region: primary, metrics: caches.map((cache) => perCache('BackupSizeBytes', cache, primary, cache.name, 'Maximum')) }),
    graph({
      title: 'Exports: requested, in flight, completed, verified, failed (per day)',
      region: primary,
      metrics: caches.flatMap((cache) => [
        perCache('CacheExportsRequested', cache, primary, `${cache.name} requested`),
        perCache('CacheExportsInFlight', cache, primary, `${cache.name} in flight`, 'Maximum'),
        perCache('CacheExportsCompleted', cache, primary, `${cache.name} completed`),
        perCache('CacheExportFailures', cache, primary, `${cache.name} export failed`),
        ...[primary, secondary].flatMap((region) => [perCache('ExportsVerified', cache, region, `${cache.name} verified (${region})`), perCache('ExportVerificationFailures', cache, region, `${cache.name} verification failed (${region})`)]),
      ]),
      red: ['CacheExportFailures', 'ExportVerificationFailures'],
    }),
    graph({
      title: `Export bucket replication to ${secondary}`,
      region: primary,
      metrics: [
        exportReplication(ctx, 'ReplicationLatency', 'latency, seconds'),
        exportReplication(ctx, 'BytesPendingReplication', 'bytes pending'),
        exportReplication(ctx, 'OperationsFailedReplication', 'operations failed'),
      ],
      red: ['OperationsFailedReplication'],
    }),
    graph({
      title: 'Newest verified export: age, seconds',
      region: primary,
      metrics: caches.flatMap((cache) => [primary, secondary].map((region) => perCache('NewestVerifiedExportAgeSeconds', cache, region, `${cache.name} (${region})`, 'Maximum'))),
    }),
    graph({ title: 'Pruned: exports and snapshots deleted', region: primary, metrics: caches.flatMap((cache) => [primary, secondary].map((region) => perCache('CacheBackupsPruned', cache, region, `${cache.name} deleted (${region})`))) }),
    graph({
      title: 'Export buckets: storage, bytes (daily)',
      region: primary,
      metrics: [primary, secondary].map((region) => bucketStorage(exportBucketName(ctx.stage, ACCOUNT, region), region, 'STANDARD', `exports (${region})`)),
    }),
  ];
  const tested = caches.filter((cache) => cache.restoreTest !== undefined);
  if (tested.length > 0) {
    widgets.push(
      graph({
        title: 'Restore tests: outcomes (per day)',
        region: primary,
        metrics: tested.flatMap((cache) => OUTCOMES.map(([name, outcome]) => restoreMetric(ctx, name, cache, `${cache.name} ${outcome}`, 'Sum'))),
        red: ['RestoreTestFailed', 'RestoreTestInconclusive'],
      }),
      graph({ title: 'Restore tests: RTO, seconds', region: primary, metrics: tested.map((cache) => restoreMetric(ctx, 'RestoreRtoSeconds', cache, cache.name, 'Maximum')) }),
    );
  }
  return widgets.map((widget) => placed('component', ROW, widget));
}

export const redisDashboard: Contribution = {
  component: 'redis',
  name: 'redis/dashboard',
  dashboardWidgets: (ctx) => {
    const caches = ctx.policy.resources.caches;
    if (caches.length === 0) return [];
    return [...caches.map((cache) => recoveryPoint(ctx, cache)), ...caches.flatMap((cache) => restoreTime(ctx, cache)), ...componentRows(ctx)];
  },
};
