// Packaging time only: the media buckets' part of each region's dashboard, from the policy — per bucket
// its live RPO (S3 Replication Time Control's latency of the rule to the replica: how far behind the
// copy in the secondary is) against the media RPO target, then replication health over time (bytes and
// operations pending, operations failed), the daily check's mismatches (verify-media-replication, primary,
// about the replica in the secondary), the posture findings of each copy (check-media-posture: the
// source and the archive copy from the primary, the replica from the secondary, each with its own
// region), the RTO of the point-in-time restores done (media-restore-record, primary) against the media
// RTO target, and the storage of every copy — bytes per storage class the lifecycle moves objects into,
// and objects (S3's daily metrics). Our metrics' dimensions are the metric catalog's.
// S3 publishes the replication metrics of a rule only when the rule enables them, as the managed buckets'
// rule does (components/media/buckets.ts); a bucket another stack owns (managed: false) is shown by the
// daily check's mismatches instead.

import { ARCHIVE_STORAGE_CLASS, expectedTransitions } from '../../../shared/media/protection.js';
import type { Context, Contribution, DashboardWidget } from '../../core/contribution.js';
import { backupDrMetric, bucketStorage, DAY_SECONDS, formatSeconds, graph, placed, tile, type MetricRef } from '../../core/widgets.js';

const ROW = 'Media (S3): replication, verification, posture, restores';
/** The managed source bucket's rule to its replica (components/media/buckets.ts). */
const REPLICA_RULE = 'to-replica';

type Bucket = Context['policy']['resources']['buckets'][number];

function replication(ctx: Context, bucket: Bucket, name: string, label: string): MetricRef {
  return {
    namespace: 'AWS/S3',
    name,
    dimensions: { SourceBucket: bucket.bucket, DestinationBucket: bucket.replicaBucket, RuleId: REPLICA_RULE },
    region: ctx.primary,
    label,
    stat: name === 'OperationsFailedReplication' ? 'Sum' : 'Maximum',
    period: 300,
  };
}

const mismatches = (ctx: Context, bucket: Bucket, label: string) =>
  backupDrMetric('ReplicationMismatches', { component: 'media', resource: bucket.name, region: ctx.secondary }, { region: ctx.primary, label, stat: 'Maximum', period: DAY_SECONDS });

function recoveryPoint(ctx: Context, bucket: Bucket): DashboardWidget {
  const rpo = (bucket.objectives ?? ctx.policy.objectives.media).rpo / 1000;
  const widget = bucket.managed
    ? tile({ title: `${bucket.name} (bucket) — live RPO: replication latency, seconds`, region: ctx.primary, metrics: [replication(ctx, bucket, 'ReplicationLatency', `to ${bucket.replicaBucket}`)], target: { label: 'RPO target', seconds: rpo } })
    : tile({ title: `${bucket.name} (bucket, not managed here) — objects missing or different in the replica`, region: ctx.primary, metrics: [mismatches(ctx, bucket, `daily check, ${bucket.replicaBucket}`)] });
  return placed('recovery-points', 'Live RPO', widget, [bucket.name]);
}

function componentRows(ctx: Context): DashboardWidget[] {
  const buckets = ctx.policy.resources.buckets;
  const managed = buckets.filter((bucket) => bucket.managed);
  // Each copy: the region it is in (its records' region) and the region its check runs in (where they are published).
  const sides = (bucket: Bucket): { side: string; region: string; checkedFrom: string }[] => [
    { side: 'source', region: ctx.primary, checkedFrom: ctx.primary },
    { side: 'replica', region: ctx.secondary, checkedFrom: ctx.secondary },
    ...(bucket.archiveBucket !== undefined && ctx.policy.regions.archive !== undefined ? [{ side: 'archive', region: ctx.policy.regions.archive, checkedFrom: ctx.primary }] : []),
  ];
  const widgets = [];
  if (managed.length > 0) {
    widgets.push(
      graph({ title: 'Replication latency, seconds', region: ctx.primary, metrics: managed.map((b) => replication(ctx, b, 'ReplicationLatency', b.name)), threshold: { label: 'RTC: 15 min', value: 900 } }),
      graph({
        title: 'Replication backlog: bytes and operations pending',
        region: ctx.primary,
        metrics: managed.flatMap((b) => [replication(ctx, b, 'BytesPendingReplication', `${b.name} bytes`), replication(ctx, b, 'OperationsPendingReplication', `${b.name} operations`)]),
      }),
      graph({ title: 'Replication: operations failed', region: ctx.primary, metrics: managed.map((b) => replication(ctx, b, 'OperationsFailedReplication', b.name)), red: ['OperationsFailedReplication'] }),
    );
  }
  widgets.push(
    graph({ title: 'Daily check: objects missing or different in the replica', region: ctx.primary, metrics: buckets.map((b) => mismatches(ctx, b, b.name)), red: ['ReplicationMismatches'] }),
    graph({
      title: 'Posture findings (versioning, replication, lifecycle, keys)',
      region: ctx.primary,
      metrics: buckets.flatMap((b) =>
        sides(b).map(({ side, region, checkedFrom }) =>
          backupDrMetric('PostureFindings', { component: 'media', resource: b.name, region }, { region: checkedFrom, label: `${b.name} ${side} (${region})`, stat: 'Maximum', period: DAY_SECONDS }),
        ),
      ),
    }),
    graph({
      title: 'Point-in-time restores of a prefix: RTO, seconds',
      region: ctx.primary,
      metrics: buckets.map((b) =>
        backupDrMetric('RestoreRtoSeconds', { component: 'media', resource: b.name, region: ctx.primary, kind: 'prefix-restore' }, { region: ctx.primary, label: b.name, stat: 'Maximum', period: DAY_SECONDS }),
      ),
      threshold: [...new Set(buckets.map((b) => (b.objectives ?? ctx.policy.objectives.media).rto))].map((ms) => ({ label: `RTO target ${formatSeconds(ms / 1000)}`, value: ms / 1000 })),
    }),
  );
  const archiveRegion = ctx.policy.regions.archive;
  const copies = (bucket: Bucket) => [
    { name: bucket.bucket, region: ctx.primary, classes: ['STANDARD', ...expectedTransitions(bucket).map((t) => t.storageClass)] as const },
    { name: bucket.replicaBucket, region: ctx.secondary, classes: ['STANDARD'] as const },
    ...(bucket.archiveBucket !== undefined && archiveRegion !== undefined ? [{ name: bucket.archiveBucket, region: archiveRegion, classes: [ARCHIVE_STORAGE_CLASS] as const }] : []),
  ];
  widgets.push(
    graph({
      title: 'Storage, bytes per storage class (daily)',
      region: ctx.primary,
      metrics: buckets.flatMap((b) => copies(b).flatMap((copy) => copy.classes.map((storageClass) => bucketStorage(copy.name, copy.region, storageClass, `${copy.name} ${storageClass}`)))),
    }),
    graph({ title: 'Objects per copy (daily)', region: ctx.primary, metrics: buckets.flatMap((b) => copies(b).map((copy) => bucketStorage(copy.name, copy.region, 'objects', `${copy.name} (${copy.region})`))) }),
  );
  return widgets.map((widget) => placed('component', ROW, widget));
}

export const mediaDashboard: Contribution = {
  component: 'media',
  name: 'media/dashboard',
  dashboardWidgets: (ctx) => {
    const buckets = ctx.policy.resources.buckets;
    if (buckets.length === 0) return [];
    return [...buckets.map((bucket) => recoveryPoint(ctx, bucket)), ...componentRows(ctx)];
  },
};
