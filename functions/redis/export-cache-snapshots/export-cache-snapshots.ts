// Exports each new snapshot of ours to this region's export bucket (CopySnapshot with TargetBucket: one
// .rdb object per node group, "<snapshot>-0001.rdb"), from where S3 replication copies it to the
// secondary region (ElastiCache cannot copy a snapshot across regions). A reconciler: it looks at what
// exists, so a duplicate or late event, or a retried run, does nothing twice. The snapshot's tags record
// the request and the arrival; an export that never arrives is alerted once. What it measures on the way
// — a snapshot's duration (plan.ts), an arrived export's size — goes to `measured` as soon as it is known.

import { AddTagsToResourceCommand, CopySnapshotCommand, RemoveTagsFromResourceCommand, type ElastiCacheClient, type Snapshot } from '@aws-sdk/client-elasticache';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { OWNER_VALUE, TAG } from '../../../shared/contracts.js';
import { errorMessage, errorName, RunFailed } from '../../../shared/errors.js';
import type { CacheResource, Policy } from '../../../shared/policy/schema.js';
import { exportPartKey, partsMarkerKey } from '../../../shared/redis/exports.js';
import { cacheOf, listCacheSnapshots, snapshotTags } from '../../../shared/redis/snapshots.js';
import { backupTime } from '../../../shared/redis/retention.js';
import type { Log } from '../../../shared/runtime/log.js';
import { exportAction, snapshotDurationMs } from './plan.js';

export interface ExportDeps {
  readonly policy: Policy;
  readonly region: string;
  readonly elasticache: ElastiCacheClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
  /** Gets a snapshot's duration (ms) or its arrived export's size (bytes, every node group's object), as each is known. */
  readonly measured: (figure: CacheBackupFigure) => void;
}

export interface CacheBackupFigure {
  readonly resource: string;
  readonly snapshot: string;
  readonly durationMs?: number;
  readonly sizeBytes?: number;
}

export interface ExportReport {
  readonly requested: readonly string[];
  readonly arrived: readonly string[];
  readonly waiting: readonly string[];
  /** Of `waiting`: exports requested that have not arrived yet. */
  readonly inFlight: readonly string[];
  readonly failed: readonly { readonly snapshot: string; readonly reason: string }[];
}

/** How many .rdb objects an export of `snapshot` has: one per node group. */
const partsOf = (snapshot: Snapshot): number => Math.max(1, snapshot.NumNodeGroups ?? 1);

export async function exportCacheSnapshots(deps: ExportDeps): Promise<ExportReport> {
  const report = { requested: [] as string[], arrived: [] as string[], waiting: [] as string[], inFlight: [] as string[], failed: [] as { snapshot: string; reason: string; resource: string }[] };
  for (const snapshot of await listCacheSnapshots(deps.elasticache)) {
    const cache = cacheOf(snapshot, deps.policy.resources.caches, deps.policy.timezone);
    if (cache === undefined) continue; // not a backup of a cache of the policy
    const name = snapshot.SnapshotName!;
    const tags = Object.fromEntries((await snapshotTags(deps.elasticache, snapshot)).map((t): [string, string] => [t.Key ?? '', t.Value ?? '']));
    if (tags[deps.policy.tags.owner] !== OWNER_VALUE) continue; // named like ours, but not ours
    const parts = partsOf(snapshot);
    const bytes = await exportedBytes(deps, Array.from({ length: parts }, (_, i) => exportPartKey(name, i + 1)));
    const now = deps.now();
    const decision = exportAction({ snapshot, tags, objectExists: bytes !== null, takenAt: backupTime(name, cache.name, deps.policy.timezone), now });
    const durationMs = snapshotDurationMs({ snapshot, tags, now }, decision.action);
    const at = new Date(now).toISOString();
    switch (decision.action) {
      case 'skip':
        break;
      case 'wait':
        report.waiting.push(name);
        if (tags[TAG.exportRequestedAt] !== undefined) report.inFlight.push(name);
        if (durationMs !== null) deps.measured({ resource: cache.name, snapshot: name, durationMs });
        break;
      case 'record-exported':
        // Every node group's object is there: the marker says so to every reader of either region's bucket.
        await deps.s3.send(new PutObjectCommand({ Bucket: deps.bucket, Key: partsMarkerKey(name, parts), Body: '' }));
        await tag(deps, snapshot, TAG.exportedAt, at);
        deps.log.info('export arrived', { snapshot: name, bucket: deps.bucket });
        report.arrived.push(name);
        if (bytes !== null) deps.measured({ resource: cache.name, snapshot: name, sizeBytes: bytes });
        break;
      case 'fail':
        await fail(deps, snapshot, cache, decision.reason, report);
        break;
      case 'export':
        try {
          await deps.elasticache.send(new CopySnapshotCommand({ SourceSnapshotName: name, TargetSnapshotName: name, TargetBucket: deps.bucket }));
        } catch (error) {
          if (errorName(error) === 'InvalidSnapshotStateFault') {
            report.waiting.push(name); // busy (being copied or deleted): the next run looks again
            break;
          }
          // Throttling or a 5xx: the next run asks again. A refusal (grants, names) will not fix itself.
          if (errorName(error) === 'InvalidParameterValueException' || errorName(error) === 'InvalidParameterCombinationException' || errorName(error) === 'AccessDenied') {
            await fail(deps, snapshot, cache, `ElastiCache refused the export to s3://${deps.bucket}: ${errorName(error)}: ${errorMessage(error)}`, report);
            break;
          }
          throw error;
        }
        await tag(deps, snapshot, TAG.exportRequestedAt, at);
        deps.log.info('export requested', { snapshot: name, bucket: deps.bucket });
        report.requested.push(name);
        if (durationMs !== null) deps.measured({ resource: cache.name, snapshot: name, durationMs });
        break;
    }
  }
  if (report.failed.length > 0) {
    throw new RunFailed(`${report.failed.length} cache snapshot exports failed: ${report.failed.map((f) => f.snapshot).join(', ')}`, report.failed.map((f) => ({ resource: f.resource, error: 'ExportFailed' })));
  }
  return { requested: report.requested, arrived: report.arrived, waiting: report.waiting, inFlight: report.inFlight, failed: report.failed.map(({ snapshot, reason }) => ({ snapshot, reason })) };
}

async function tag(deps: ExportDeps, snapshot: Snapshot, key: string, value: string): Promise<void> {
  await deps.elasticache.send(new AddTagsToResourceCommand({ ResourceName: snapshot.ARN, Tags: [{ Key: key, Value: value }] }));
}

/** The bytes of every object of `keys` (HEAD's ContentLength), or null when one is not there. */
async function exportedBytes(deps: ExportDeps, keys: readonly string[]): Promise<number | null> {
  let bytes = 0;
  for (const key of keys) {
    try {
      bytes += (await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key }))).ContentLength ?? 0;
    } catch (error) {
      if (errorName(error) === 'NotFound' || errorName(error) === 'NoSuchKey') return null;
      throw error;
    }
  }
  return bytes;
}

async function fail(deps: ExportDeps, snapshot: Snapshot, cache: CacheResource, reason: string, report: { failed: { snapshot: string; reason: string; resource: string }[] }): Promise<void> {
  const name = snapshot.SnapshotName!;
  // Without the request mark, removing the failure mark (the alert's advice) starts a fresh export.
  await deps.elasticache.send(new RemoveTagsFromResourceCommand({ ResourceName: snapshot.ARN, TagKeys: [TAG.exportRequestedAt] }));
  await tag(deps, snapshot, TAG.exportFailed, new Date(deps.now()).toISOString());
  report.failed.push({ snapshot: name, reason, resource: cache.name });
  const alert: Alert = {
    severity: 'critical',
    kind: 'export-failed',
    resource: cache.name,
    region: deps.region,
    summary: `export of ${name} failed: ${reason}`,
    action:
      `Without an export the DR region has no copy of this snapshot. Check the export bucket's policy (ElastiCache's service principal must be allowed to write) ` +
      `and that the group is not data-tiering; then remove the ${TAG.exportFailed} tag from snapshot ${name} so the next run exports it again.`,
    source: 'export-cache-snapshots',
    at: deps.now(),
    details: { snapshot: name, bucket: deps.bucket, reason: reason.slice(0, 500) },
  };
  await deps.alerts.publish(alert);
}
