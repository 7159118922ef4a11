// The daily posture of the media buckets (plan.ts judges), managed or owned by another stack alike: in the
// primary each source bucket and, when the policy has an archive region, its archive copy there (the
// archive region runs no function); in the secondary each replica. Seven reads a bucket (versioning,
// replication, lifecycle, default encryption, public access block, ownership controls, bucket policy),
// S3's "not configured" errors read as absent settings; the expected key is resolved once per region by
// DescribeKey so S3's way of naming it (alias, key id, ARN) does not matter. Every finding is an alert
// (kind "posture") once, and again only when it changes (shared/alerts/posture-memory.ts: per bucket
// side); nothing is changed.

import type { KMSClient } from '@aws-sdk/client-kms';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { publishPosture, type PostureAlerting, type PostureScope } from '../../../shared/alerts/posture-memory.js';
import { serviceKeyAlias } from '../../../shared/contracts.js';
import { errorName } from '../../../shared/errors.js';
import { ARCHIVE_NONCURRENT_DAYS, expectedTransitions, noncurrentDays } from '../../../shared/media/protection.js';
import type { BucketResource, Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { readSetting, S3_NOT_CONFIGURED } from '../../../shared/aws/bucket-settings.js';
import { assessBucketPosture, type BucketSettings, type ExpectedPosture, type Finding } from './plan.js';

export interface MediaPostureDeps extends PostureAlerting {
  readonly policy: Policy;
  readonly role: 'primary' | 'secondary';
  /** Names the service key's alias where the policy names no kms.<role>. */
  readonly stage: string;
  readonly s3: (region: string) => S3Client;
  readonly kms: (region: string) => KMSClient;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface MediaPostureReport {
  /** Per bucket checked: its side and the region it is in. */
  readonly buckets: readonly { readonly resource: string; readonly bucket: string; readonly side: ExpectedPosture['side']; readonly region: string; readonly findings: readonly Finding[] }[];
}

/** The seven settings of a bucket, read one after the other (seven small requests a bucket a day). */
export async function readBucketSettings(s3: S3Client, bucket: string): Promise<BucketSettings> {
  const Bucket = bucket;
  return {
    versioning: await readSetting(async () => (await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status),
    replication: await readSetting(async () => (await s3.send(new GetBucketReplicationCommand({ Bucket }))).ReplicationConfiguration ?? { Role: undefined, Rules: [] }, S3_NOT_CONFIGURED.replication),
    lifecycle: await readSetting(async () => (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules ?? [], S3_NOT_CONFIGURED.lifecycle),
    encryption: await readSetting(async () => (await s3.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration?.Rules ?? [], S3_NOT_CONFIGURED.encryption),
    publicAccess: await readSetting(async () => (await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration ?? {}, S3_NOT_CONFIGURED.publicAccess),
    ownership: await readSetting(async () => (await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls ?? { Rules: [] }, S3_NOT_CONFIGURED.ownership),
    policy: await readSetting(async () => (await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy ?? '{}', S3_NOT_CONFIGURED.policy),
  };
}

type KeyRole = 'primary' | 'secondary' | 'archive';

/**
 * Every name S3 may report the region role's key by: the policy's name (else the service key's alias),
 * its alias ARN, and — from DescribeKey — the key id and key ARN. Without DescribeKey (denied, missing
 * key) only the names: a key S3 reports by id then reads as a drift, and the log says why.
 */
async function keyIdsOf(deps: MediaPostureDeps, role: KeyRole, region: string): Promise<{ keyName: string; keyIds: string[] }> {
  const keyName = deps.policy.kms[role] ?? serviceKeyAlias(deps.stage);
  const ids = new Set([keyName]);
  try {
    const metadata = (await deps.kms(region).send(new DescribeKeyCommand({ KeyId: keyName }))).KeyMetadata;
    if (metadata?.KeyId !== undefined) ids.add(metadata.KeyId);
    if (metadata?.Arn !== undefined) {
      ids.add(metadata.Arn);
      if (keyName.startsWith('alias/')) ids.add(metadata.Arn.replace(/:key\/.+$/, `:${keyName}`));
    }
  } catch (error) {
    deps.log.warn('cannot describe the expected media key', { role, region, key: keyName, error: errorName(error) });
  }
  return { keyName, keyIds: [...ids] };
}

/** What this region checks: its side of every bucket (the primary also the archive copies). */
async function expectations(deps: MediaPostureDeps): Promise<ExpectedPosture[]> {
  const { policy } = deps;
  const keys = new Map<KeyRole, { keyName: string; keyIds: string[] }>();
  const keyOf = async (role: KeyRole, region: string) => {
    if (!keys.has(role)) keys.set(role, await keyIdsOf(deps, role, region));
    return keys.get(role)!;
  };
  const result: ExpectedPosture[] = [];
  for (const bucket of policy.resources.buckets) {
    const common = { resource: bucket.name, managed: bucket.managed };
    const archive = policy.regions.archive === undefined ? undefined : bucket.archiveBucket;
    if (deps.role === 'secondary') {
      result.push({ ...common, ...(await keyOf('secondary', policy.regions.secondary)), ...withNoncurrent(bucket), bucket: bucket.replicaBucket, side: 'replica', region: policy.regions.secondary });
      continue;
    }
    result.push({
      ...common,
      ...(await keyOf('primary', policy.regions.primary)),
      ...withNoncurrent(bucket),
      bucket: bucket.bucket,
      side: 'source',
      region: policy.regions.primary,
      replication: { replica: bucket.replicaBucket, ...(archive === undefined ? {} : { archive }) },
      transitions: expectedTransitions(bucket),
    });
    if (archive !== undefined && policy.regions.archive !== undefined) {
      // Replaced versions kept 7 years there, as the template and the snippet set it.
      result.push({ ...common, ...(await keyOf('archive', policy.regions.archive)), noncurrentDays: ARCHIVE_NONCURRENT_DAYS, bucket: archive, side: 'archive', region: policy.regions.archive });
    }
  }
  return result;
}

function withNoncurrent(bucket: BucketResource): { noncurrentDays?: number } {
  const days = noncurrentDays(bucket);
  return days === undefined ? {} : { noncurrentDays: days };
}

export async function checkMediaPosture(deps: MediaPostureDeps): Promise<MediaPostureReport> {
  const now = deps.now();
  const buckets: MediaPostureReport['buckets'][number][] = [];
  const scopes: PostureScope[] = [];
  for (const expected of await expectations(deps)) {
    const findings = assessBucketPosture(expected, await readBucketSettings(deps.s3(expected.region), expected.bucket));
    // Remembered per bucket (a resource's source and archive copy may both be in the primary's run).
    scopes.push({
      resource: expected.resource,
      part: expected.side,
      region: expected.region,
      findings: findings.map((finding): Alert => ({
        severity: finding.severity,
        kind: 'posture',
        resource: expected.resource,
        region: expected.region,
        summary: finding.summary,
        action: finding.action,
        source: 'check-media-posture',
        at: now,
        details: { check: finding.check, bucket: expected.bucket, side: expected.side, managed: expected.managed },
      })),
    });
    deps.log.info('media bucket posture', { resource: expected.resource, bucket: expected.bucket, side: expected.side, findings: findings.length });
    buckets.push({ resource: expected.resource, bucket: expected.bucket, side: expected.side, region: expected.region, findings });
  }
  await publishPosture(deps, 'media', 'check-media-posture', scopes, now);
  return { buckets };
}
