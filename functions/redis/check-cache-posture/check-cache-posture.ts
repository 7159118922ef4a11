// The daily posture of the caches in one region (plan.ts judges): reads our snapshots (primary) and this
// region's verified exports; and the export bucket's own settings (bucket-plan.ts judges) — its policy,
// object ownership, public access block and, in the primary, its replication. Every finding is an alert
// (kind "posture") once, and again only when it changes (shared/alerts/posture-memory.ts: one memory per
// cache, one for the bucket); the age of the newest verified export is a figure (the live RPO).

import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetBucketOwnershipControlsCommand, GetBucketPolicyCommand, GetBucketReplicationCommand, GetPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { publishPosture, type PostureAlerting, type PostureScope } from '../../../shared/alerts/posture-memory.js';
import { readSetting, S3_NOT_CONFIGURED } from '../../../shared/aws/bucket-settings.js';
import { EXPORT_TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { exportStates, type Bucket } from '../../../shared/redis/export-objects.js';
import { isBackupOf, listCacheSnapshots } from '../../../shared/redis/snapshots.js';
import type { Log } from '../../../shared/runtime/log.js';
import { assessExportBucket, type ExportBucketSettings } from './bucket-plan.js';
import { assessCachePosture, type Finding } from './plan.js';

/** The posture memory's and the metrics' resource for the region's export bucket. */
export const EXPORT_BUCKET_RESOURCE = 'export-bucket';

export interface CachePostureDeps extends PostureAlerting {
  readonly policy: Policy;
  readonly role: 'primary' | 'secondary';
  /** The primary region's ElastiCache (used in the primary only). */
  readonly elasticache: ElastiCacheClient;
  readonly own: Bucket;
  /** The other region's export bucket (the primary's replicates to the secondary's). */
  readonly peerBucket: string;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface CachePostureReport {
  readonly caches: readonly { readonly resource: string; readonly newestVerifiedExportAge: number | null; readonly findings: readonly Finding[] }[];
  readonly exportBucket: { readonly bucket: string; readonly findings: readonly Finding[] };
}

export async function checkCachePosture(deps: CachePostureDeps): Promise<CachePostureReport> {
  const { policy } = deps;
  const now = deps.now();
  const verifiedTag = EXPORT_TAG.verifiedIn(deps.own.region);
  const verified = await exportStates(deps.own, verifiedTag);
  const snapshots = deps.role === 'primary' ? new Map((await listCacheSnapshots(deps.elasticache)).map((s) => [s.SnapshotName!, s.SnapshotStatus ?? 'unknown'])) : undefined;
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
    });
    scopes.push({ resource: cache.name, region: deps.own.region, findings: posture.findings.map((finding) => alertOf(deps, cache.name, finding, now)) });
    caches.push({ resource: cache.name, newestVerifiedExportAge: posture.newestVerifiedExportAge, findings: posture.findings });
  }
  const bucketFindings = assessExportBucket({ role: deps.role, region: deps.own.region, bucket: deps.own.bucket, peerBucket: deps.peerBucket }, await readExportBucket(deps.own, deps.role));
  scopes.push({ resource: EXPORT_BUCKET_RESOURCE, region: deps.own.region, findings: bucketFindings.map((finding) => alertOf(deps, EXPORT_BUCKET_RESOURCE, finding, now)) });
  await publishPosture(deps, 'redis', 'check-cache-posture', scopes, now);
  return { caches, exportBucket: { bucket: deps.own.bucket, findings: bucketFindings } };
}

const alertOf = (deps: CachePostureDeps, resource: string, finding: Finding, now: number): Alert => ({
  severity: finding.severity,
  kind: 'posture',
  resource,
  region: deps.own.region,
  summary: finding.summary,
  action: finding.action,
  source: 'check-cache-posture',
  at: now,
  details: { check: finding.check },
});

/** The export bucket's settings, one read each (S3's "not configured" errors read as absent settings). */
export async function readExportBucket(own: Bucket, role: 'primary' | 'secondary'): Promise<ExportBucketSettings> {
  const Bucket = own.bucket;
  return {
    policy: await readSetting(async () => (await own.s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy ?? '{}', S3_NOT_CONFIGURED.policy),
    ownership: await readSetting(async () => (await own.s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls ?? { Rules: [] }, S3_NOT_CONFIGURED.ownership),
    publicAccess: await readSetting(async () => (await own.s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration ?? {}, S3_NOT_CONFIGURED.publicAccess),
    ...(role === 'primary'
      ? { replication: await readSetting(async () => (await own.s3.send(new GetBucketReplicationCommand({ Bucket }))).ReplicationConfiguration ?? { Role: undefined, Rules: [] }, S3_NOT_CONFIGURED.replication) }
      : {}),
  };
}
