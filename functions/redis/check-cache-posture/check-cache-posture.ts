// The daily posture of the caches in one region (plan.ts judges): reads our snapshots (primary), this
// region's verified exports and, in the primary, the export bucket's replication; every finding is an
// alert (kind "posture"), the age of the newest verified export a figure (the live RPO).

import { DescribeSnapshotsCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetBucketReplicationCommand, type ReplicationConfiguration } from '@aws-sdk/client-s3';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { EXPORT_TAG, PREFIX } from '../../../shared/contracts.js';
import { errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { exportSets, objectTags, type Bucket } from '../../../shared/redis/export-objects.js';
import { isWhole } from '../../../shared/redis/exports.js';
import type { Log } from '../../../shared/runtime/log.js';
import { assessCachePosture, type Finding } from './plan.js';

export interface CachePostureDeps {
  readonly policy: Policy;
  readonly role: 'primary' | 'secondary';
  /** The primary region's ElastiCache (used in the primary only). */
  readonly elasticache: ElastiCacheClient;
  readonly own: Bucket;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface CachePostureReport {
  readonly caches: readonly { readonly resource: string; readonly newestVerifiedExportAge: number | null; readonly findings: readonly Finding[] }[];
}

export async function checkCachePosture(deps: CachePostureDeps): Promise<CachePostureReport> {
  const { policy } = deps;
  const now = deps.now();
  const verifiedTag = EXPORT_TAG.verifiedIn(deps.own.region);
  // Snapshot name → whether its export is whole and every object of it carries this region's verified mark.
  const verified = new Map<string, boolean>();
  for (const [name, set] of await exportSets(deps.own)) {
    let all = isWhole(set);
    for (const key of set.keys) all &&= (await objectTags(deps.own, key))[verifiedTag] !== undefined;
    verified.set(name, all);
  }
  const snapshots = deps.role === 'primary' ? await snapshotStatuses(deps.elasticache) : undefined;
  const replication = deps.role === 'primary' ? await replicationOf(deps.own) : undefined;
  const caches: CachePostureReport['caches'][number][] = [];
  for (const cache of policy.resources.caches) {
    const prefix = `${PREFIX.snapshot}-${cache.name}-`;
    const posture = assessCachePosture({
      cache,
      role: deps.role,
      region: deps.own.region,
      timeZone: policy.timezone,
      now,
      rpoTarget: cache.objectives?.rpo ?? policy.objectives.redis.rpo,
      ...(snapshots === undefined ? {} : { snapshots }),
      verifiedExports: [...verified].filter(([name, all]) => all && name.startsWith(prefix)).map(([name]) => name),
      ...(replication === undefined ? {} : { replication }),
    });
    for (const finding of posture.findings) {
      await deps.alerts.publish({ severity: finding.severity, kind: 'posture', resource: cache.name, region: deps.own.region, summary: finding.summary, action: finding.action, source: 'check-cache-posture', at: now, details: { check: finding.check } });
    }
    caches.push({ resource: cache.name, newestVerifiedExportAge: posture.newestVerifiedExportAge, findings: posture.findings });
  }
  return { caches };
}

async function snapshotStatuses(elasticache: ElastiCacheClient): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  let marker: string | undefined;
  do {
    const page = await elasticache.send(new DescribeSnapshotsCommand({ SnapshotSource: 'user', ...(marker === undefined ? {} : { Marker: marker }) }));
    for (const s of page.Snapshots ?? []) if (s.SnapshotName?.startsWith(`${PREFIX.snapshot}-`) === true) statuses.set(s.SnapshotName, s.SnapshotStatus ?? 'unknown');
    marker = page.Marker;
  } while (marker !== undefined);
  return statuses;
}

async function replicationOf(bucket: Bucket): Promise<ReplicationConfiguration | null> {
  try {
    return (await bucket.s3.send(new GetBucketReplicationCommand({ Bucket: bucket.bucket }))).ReplicationConfiguration ?? null;
  } catch (error) {
    if (errorName(error) === 'ReplicationConfigurationNotFoundError') return null;
    throw error;
  }
}
