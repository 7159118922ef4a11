// The daily replication check of each media bucket (README, "Media"): one listing of the source
// (ListObjectsV2, a page at a time) splits it into the objects changed since the last run's check —
// every one is compared — and the older ones, of which `verifySample` are chosen at random as the
// listing streams by (reservoir sampling: memory does not grow with the bucket). Each chosen object is
// compared with the replica's copy of the same version by HEAD in checksum mode (shared/media/
// replication-check.ts). Where the last run got to is kept in the reports bucket; the full report (every
// problem, every object without a stored checksum) goes there too; missing or different copies alert
// once per run with the list. Objects written in the last 30 minutes wait for the next run (replication
// with RTC delivers within 15).

import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { REPORT_PREFIX } from '../../../shared/contracts.js';
import { errorMessage, errorName, RunFailed } from '../../../shared/errors.js';
import { checksumOf, compareReplica, REPLICATION_GRACE_MS, type ObjectHead } from '../../../shared/media/replication-check.js';
import { Reservoir } from '../../../shared/media/sample.js';
import type { BucketResource, Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';

/** The first run checks what changed in the day before it. */
const FIRST_LOOK_BACK_MS = 86_400_000;
/** Problems an alert names; the report has them all. */
const NAMED = 20;

export interface VerifyMediaDeps {
  readonly policy: Policy;
  /** S3 in the primary (sources, reports) and in the secondary (replicas). */
  readonly source: S3Client;
  readonly replica: S3Client;
  readonly reportsBucket: string;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
  readonly random?: () => number;
}

export interface BucketCheck {
  readonly resource: string;
  readonly listed: number;
  readonly changed: number;
  readonly sampled: number;
  readonly same: number;
  readonly pending: number;
  readonly problems: readonly string[];
  readonly noChecksum: number;
  readonly checkedUntil: number;
  readonly reportKey: string;
}

export const stateKey = (resource: string) => `${REPORT_PREFIX.replication}${resource}/state.json`;

export async function verifyMediaReplication(deps: VerifyMediaDeps): Promise<BucketCheck[]> {
  const results: BucketCheck[] = [];
  const failures: { resource: string; error: string }[] = [];
  for (const bucket of deps.policy.resources.buckets) {
    try {
      const result = await checkBucket(deps, bucket);
      results.push(result);
      if (result.problems.length > 0) await deps.alerts.publish(replicationAlert(deps, bucket, result));
    } catch (error) {
      deps.log.error('replication check failed', { resource: bucket.name, error: errorName(error), message: errorMessage(error) });
      failures.push({ resource: bucket.name, error: errorName(error) });
    }
  }
  if (failures.length > 0) throw new RunFailed(`the replication check of ${failures.map((f) => f.resource).join(', ')} could not run`, failures);
  return results;
}

async function checkBucket(deps: VerifyMediaDeps, bucket: BucketResource): Promise<BucketCheck> {
  const now = deps.now();
  const since = (await readState(deps, bucket.name)) ?? now - FIRST_LOOK_BACK_MS - REPLICATION_GRACE_MS;
  // Objects written in the last 30 minutes are the next run's: replication may still be delivering them.
  const until = now - REPLICATION_GRACE_MS;
  const sample = new Reservoir<string>(bucket.verifySample, deps.random ?? Math.random);
  let changed = 0;
  let listed = 0;
  let token: string | undefined;
  const counts = { same: 0, pending: 0, noChecksum: 0 };
  const problems: string[] = [];
  const noChecksum: string[] = [];
  const check = async (key: string) => {
    const verdict = await compareOne(deps, bucket, key, now);
    if (verdict === null) return;
    if (verdict.noChecksum) {
      counts.noChecksum += 1;
      if (noChecksum.length < 1000) noChecksum.push(key);
    }
    if (verdict.result.status === 'same') counts.same += 1;
    else if (verdict.result.status === 'pending') counts.pending += 1;
    else if (verdict.result.status === 'missing') problems.push(verdict.result.reason);
    else problems.push(...verdict.result.problems);
  };
  do {
    const page = await deps.source.send(new ListObjectsV2Command({ Bucket: bucket.bucket, ...(token === undefined ? {} : { ContinuationToken: token }) }));
    for (const object of page.Contents ?? []) {
      const key = object.Key;
      if (key === undefined) continue;
      listed += 1;
      const modified = object.LastModified?.getTime() ?? 0;
      if (modified > since && modified <= until) {
        // Checked as the listing goes: what changed is never held whole.
        changed += 1;
        await check(key);
      } else if (modified <= since) sample.offer(key);
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  for (const key of sample.items()) await check(key);
  const date = new Date(now).toISOString().slice(0, 10).replaceAll('-', '/');
  const reportKey = `${REPORT_PREFIX.replication}${bucket.name}/${date}.json`;
  const result: BucketCheck = {
    resource: bucket.name,
    listed,
    changed,
    sampled: sample.items().length,
    same: counts.same,
    pending: counts.pending,
    problems,
    noChecksum: counts.noChecksum,
    checkedUntil: until,
    reportKey,
  };
  const report = { schema: 'backup-dr/media-replication-check/v1', ...result, source: bucket.bucket, replica: bucket.replicaBucket, since: new Date(since).toISOString(), until: new Date(until).toISOString(), noChecksumKeys: noChecksum };
  await deps.source.send(new PutObjectCommand({ Bucket: deps.reportsBucket, Key: reportKey, Body: JSON.stringify(report, null, 2), ContentType: 'application/json' }));
  await deps.source.send(new PutObjectCommand({ Bucket: deps.reportsBucket, Key: stateKey(bucket.name), Body: JSON.stringify({ checkedUntil: until }), ContentType: 'application/json' }));
  deps.log.info('replication checked', { resource: bucket.name, listed, changed: result.changed, sampled: result.sampled, problems: problems.length, noChecksum: counts.noChecksum });
  return result;
}

async function readState(deps: VerifyMediaDeps, resource: string): Promise<number | null> {
  try {
    const object = await deps.source.send(new GetObjectCommand({ Bucket: deps.reportsBucket, Key: stateKey(resource) }));
    const parsed = JSON.parse((await object.Body?.transformToString()) ?? '{}') as { checkedUntil?: unknown };
    return typeof parsed.checkedUntil === 'number' ? parsed.checkedUntil : null;
  } catch (error) {
    if (errorName(error) === 'NoSuchKey') return null;
    throw error;
  }
}

async function head(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<HeadObjectCommandOutput | null> {
  try {
    return await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED', ...(versionId === undefined ? {} : { VersionId: versionId }) }));
  } catch (error) {
    if (errorName(error) === 'NotFound' || errorName(error) === 'NoSuchKey' || errorName(error) === 'NoSuchVersion') return null;
    throw error;
  }
}

const asHead = (h: HeadObjectCommandOutput): ObjectHead => ({
  versionId: h.VersionId ?? null,
  size: h.ContentLength ?? 0,
  etag: h.ETag ?? null,
  checksum: checksumOf(h),
  lastModified: h.LastModified?.getTime() ?? 0,
  replicationStatus: h.ReplicationStatus ?? null,
});

/** The source's current version against the replica's copy of that version; null when the source object is gone since the listing. */
async function compareOne(deps: VerifyMediaDeps, bucket: BucketResource, key: string, now: number) {
  const source = await head(deps.source, bucket.bucket, key);
  if (source === null) return null;
  const replica = await head(deps.replica, bucket.replicaBucket, key, source.VersionId);
  const result = compareReplica(key, asHead(source), replica === null ? null : asHead(replica), now);
  return { result, noChecksum: checksumOf(source) === null };
}

function replicationAlert(deps: VerifyMediaDeps, bucket: BucketResource, result: BucketCheck): Alert {
  const named = result.problems.slice(0, NAMED);
  return {
    severity: 'critical',
    kind: 'replication-mismatch',
    resource: bucket.name,
    region: deps.policy.regions.primary,
    summary: `${result.problems.length} objects of ${bucket.bucket} missing or different in ${bucket.replicaBucket}: ${named.slice(0, 3).join('; ')}`.slice(0, 300),
    action:
      `The DR copy is not what the source holds. Check the bucket's replication rule, its role and the replica's KMS grants, and the CloudWatch replication metrics; ` +
      `re-replicate the objects listed (S3 Batch Replication) and run the check again. The full list is in s3://${deps.reportsBucket}/${result.reportKey}.`,
    source: 'verify-media-replication',
    at: deps.now(),
    details: { problems: result.problems.length, listed: named.join(' | ').slice(0, 1500), report: `s3://${deps.reportsBucket}/${result.reportKey}` },
  };
}
