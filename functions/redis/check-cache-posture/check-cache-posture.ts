// The daily posture of the caches in one region (plan.ts judges): reads our snapshots (primary), this
// region's verified exports and, in the primary, the export bucket's replication; every finding is an
// alert (kind "posture") once, and again only when it changes (shared/alerts/posture-memory.ts); the age
// of the newest verified export a figure (the live RPO).

import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetBucketReplicationCommand, type ReplicationConfiguration } from '@aws-sdk/client-s3';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { publishPosture, type PostureAlerting, type PostureScope } from '../../../shared/alerts/posture-memory.js';
import { EXPORT_TAG } from '../../../shared/contracts.js';
import { errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { exportStates, type Bucket } from '../../../shared/redis/export-objects.js';
import { isBackupOf, listCacheSnapshots } from '../../../shared/redis/snapshots.js';
import type { Log } from '../../../shared/runtime/log.js';
import { assessCachePosture, type Finding } from './plan.js';

export interface CachePostureDeps extends PostureAlerting {
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
  const verified = await exportStates(deps.own, verifiedTag);
  const snapshots = deps.role === 'primary' ? new Map((await listCacheSnapshots(deps.elasticache)).map((s) => [s.SnapshotName!, s.SnapshotStatus ?? 'unknown'])) : undefined;
  const replication = deps.role === 'primary' ? await replicationOf(deps.own) : undefined;
  const caches: CachePostureReport['caches'][number][] = [];
  const scopes: PostureScope[] = [];
  for (const cache of policy.resources.caches) {
    const posture = assessCachePosture({
      cache,
      role: deps.role,
      region: deps.own.region,
      timeZone: policy.timezone,
      now,
      rpoTarget: cache.objectives?.rpo ?? policy.objectives.redis.rpo,
      ...(snapshots === undefined ? {} : { snapshots }),
      verifiedExports: [...verified].filter(([name, state]) => state.verified && isBackupOf(name, cache, policy.timezone)).map(([name]) => name),
      ...(replication === undefined ? {} : { replication }),
    });
    const findings = posture.findings.map((finding): Alert => ({ severity: finding.severity, kind: 'posture', resource: cache.name, region: deps.own.region, summary: finding.summary, action: finding.action, source: 'check-cache-posture', at: now, details: { check: finding.check } }));
    scopes.push({ resource: cache.name, region: deps.own.region, findings });
    caches.push({ resource: cache.name, newestVerifiedExportAge: posture.newestVerifiedExportAge, findings: posture.findings });
  }
  await publishPosture(deps, 'redis', 'check-cache-posture', scopes, now);
  return { caches };
}

async function replicationOf(bucket: Bucket): Promise<ReplicationConfiguration | null> {
  try {
    return (await bucket.s3.send(new GetBucketReplicationCommand({ Bucket: bucket.bucket }))).ReplicationConfiguration ?? null;
  } catch (error) {
    if (errorName(error) === 'ReplicationConfigurationNotFoundError') return null;
    throw error;
  }
}
