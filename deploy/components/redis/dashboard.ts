// Packaging time only: the caches' part of each region's dashboard, from the policy — per cache its live
// RPO (the age of the newest verified export in each region, from check-cache-posture, which runs in
// both and adds resource and region) against its RPO target, the last restore test's RTO against its
// RTO target, then snapshots, exports and their verification over time, the export bucket's replication
// to the secondary (S3 Replication Time Control metrics of its rule), pruning, the export buckets'
// storage and the restore-test history. Every metric with the dimensions its handler publishes it with (functions/redis/*/handler.ts),
// in the region the function runs in: take-cache-snapshot, capture-cache-manifest and
// export-cache-snapshots in the primary; verify-cache-exports, prune-cache-backups, check-cache-posture
// and cache-restore-test-record in both.

import { exportBucketName } from '../../../shared/contracts.js';
import { ACCOUNT } from '../../core/cloudformation.js';
import type { Context, Contribution, DashboardWidget } from '../../core/contribution.js';
import { backupDrMetric, bucketStorage, DAY_SECONDS, graph, placed, RESTORE_TEST_RANGE, tile, type MetricRef } from '../../core/widgets.js';

const ROW = 'Caches (ElastiCache Redis): snapshots, exports, replication, pruning, restore tests';
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
const restoreMetric = (ctx: Context, name: string, cache: Cache, label: string, stat: MetricRef['stat']): MetricRef =>
  backupDrMetric(name, { resource: cache.name, kind: KIND }, { region: testRegionOf(ctx, cache), label, stat, period: DAY_SECONDS });

function recoveryPoint(ctx: Context, cache: Cache): DashboardWidget {
  const metrics = [ctx.primary, ctx.secondary].map((region) =>
    backupDrMetric('NewestVerifiedExportAgeSeconds', { resource: cache.name, region }, { region, label: `newest verified export (${region})`, stat: 'Maximum', period: DAY_SECONDS }),
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
  const daily = (name: string, region: string, label: string, stat: MetricRef['stat'] = 'Sum') => backupDrMetric(name, {}, { region, label, stat, period: DAY_SECONDS });
  const widgets = [
    graph({
      title: 'Snapshots and manifests: taken, failed (per day)',
      region: primary,
      metrics: [
        daily('CacheSnapshotsRequested', primary, 'snapshots requested'),
        daily('CacheSnapshotFailures', primary, 'snapshot failed'),
        daily('CacheManifestsCaptured', primary, 'manifests captured'),
        daily('CacheManifestFailures', primary, 'manifest failed'),
      ],
      red: ['CacheSnapshotFailures', 'CacheManifestFailures'],
    }),
    graph({
      title: 'Exports: requested, verified, failed (per day)',
      region: primary,
      metrics: [
        daily('CacheExportsRequested', primary, 'requested'),
        daily('CacheExportFailures', primary, 'export failed'),
        ...[primary, secondary].flatMap((region) => [daily('ExportsVerified', region, `verified (${region})`), daily('ExportVerificationFailures', region, `verification failed (${region})`)]),
      ],
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
      metrics: caches.flatMap((cache) =>
        [primary, secondary].map((region) => backupDrMetric('NewestVerifiedExportAgeSeconds', { resource: cache.name, region }, { region, label: `${cache.name} (${region})`, stat: 'Maximum', period: DAY_SECONDS })),
      ),
    }),
    graph({ title: 'Pruned: exports and snapshots deleted', region: primary, metrics: [primary, secondary].map((region) => daily('CacheBackupsPruned', region, `deleted (${region})`)) }),
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
