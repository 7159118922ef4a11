// Verifies what was exported, not just that it exists (README, "Redis"): each exported .rdb object of
// this region's export bucket is compared with its counterpart in the other region (size and the S3
// checksum, HEAD with checksum mode) and read once through the RDB integrity check (signature, EOF
// marker, CRC64) as a stream, in memory that does not grow with it. A verified object is tagged
// verified-at for this region; a failed one is tagged failed-at and alerted once.

import { GetObjectCommand, HeadObjectCommand, PutObjectTaggingCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { EXPORT_TAG } from '../../../shared/contracts.js';
import { errorName, RunFailed } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { exportObjects, objectTags, type Bucket } from '../../../shared/redis/export-objects.js';
import { parseExportKey, verifiedMark, type ExportKey } from '../../../shared/redis/exports.js';
import { checkRdbStream } from '../../../shared/redis/rdb-integrity.js';
import type { Log } from '../../../shared/runtime/log.js';
import { decideExport, type ObjectFacts } from './plan.js';

/** S3 Replication Time Control replicates 99.99 % of objects within 15 minutes; past twice that, a missing replica is a failure. */
export const REPLICATION_GRACE_MS = 30 * 60_000;

export type BucketSide = Bucket;

export interface VerifyExportsDeps {
  readonly policy: Policy;
  readonly role: 'primary' | 'secondary';
  /** This region's export bucket (the primary's) or replica bucket (the secondary's). */
  readonly own: BucketSide;
  /** The other region's. */
  readonly other: BucketSide;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface VerifyExportsReport {
  readonly verified: readonly { readonly key: string; readonly compared: string; readonly version: number | null }[];
  readonly waiting: readonly string[];
  readonly failed: readonly { readonly key: string; readonly problems: readonly string[] }[];
  readonly skipped: number;
}

export async function verifyCacheExports(deps: VerifyExportsDeps): Promise<VerifyExportsReport> {
  const verified: VerifyExportsReport['verified'][number][] = [];
  const waiting: string[] = [];
  const failed: VerifyExportsReport['failed'][number][] = [];
  let skipped = 0;
  const verifiedTag = EXPORT_TAG.verifiedIn(deps.own.region);
  const failedTag = EXPORT_TAG.failedIn(deps.own.region);
  for await (const exported of exportObjects(deps.own)) {
    const tags = await objectTags(deps.own, exported.key);
    const own = await facts(deps.own, exported.key, tags);
    if (own === null) continue; // deleted (pruned) since it was listed
    const counterpart = await facts(deps.other, exported.key, {});
    const decision = decideExport({
      own,
      counterpart,
      role: deps.role,
      region: deps.own.region,
      otherRegion: deps.other.region,
      verifiedTag,
      failedTag,
      now: deps.now(),
      replicationGraceMs: REPLICATION_GRACE_MS,
    });
    if (decision.action === 'skip') {
      skipped += 1;
      continue;
    }
    if (decision.action === 'wait') {
      deps.log.info('export not replicated yet', { key: exported.key, reason: decision.reason });
      waiting.push(exported.key);
      continue;
    }
    let problems = decision.action === 'fail' ? [...decision.problems] : [];
    let version: number | null = null;
    if (decision.action === 'check-content') {
      const verdict = await readThrough(deps.own, exported.key, own.versionId);
      if (verdict.status === 'intact') version = verdict.version ?? null;
      else problems = [verdict.problem];
    }
    const at = new Date(deps.now()).toISOString();
    // The version read is the version marked: tags and content of one version, never of two.
    const { [verifiedTag]: _stale, [failedTag]: _failed, ...others } = tags;
    if (problems.length === 0) {
      await putTags(deps.own, exported.key, { ...others, [verifiedTag]: verifiedMark(at, own.versionId) }, own.versionId);
      verified.push({ key: exported.key, compared: decision.action === 'check-content' ? decision.compared : '', version });
      deps.log.info('export verified', { key: exported.key, compared: decision.action === 'check-content' ? decision.compared : '', rdbVersion: version });
    } else {
      await putTags(deps.own, exported.key, { ...others, [failedTag]: at }, own.versionId);
      failed.push({ key: exported.key, problems });
      await deps.alerts.publish(exportFailedAlert(deps, exported, problems));
    }
  }
  if (failed.length > 0) {
    throw new RunFailed(`${failed.length} exported snapshots failed verification in ${deps.own.region}: ${failed.map((f) => f.key).join(', ')}`, failed.map((f) => ({ resource: parseExportKey(f.key)?.cache ?? f.key, error: 'ExportVerificationFailed' })));
  }
  return { verified, waiting, failed, skipped };
}

/** PutObjectTagging replaces the whole set: the object's other tags are written back with ours. */
async function putTags(side: BucketSide, key: string, tags: Record<string, string>, versionId: string | null): Promise<void> {
  const version = versionId === null ? {} : { VersionId: versionId };
  await side.s3.send(new PutObjectTaggingCommand({ Bucket: side.bucket, Key: key, ...version, Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } }));
}

const CHECKSUMS = ['CRC64NVME', 'CRC32C', 'CRC32', 'SHA256', 'SHA1'] as const;

/** HEAD with checksum mode: size, stored checksum, ETag, time; null when the object is not there. */
async function facts(side: BucketSide, key: string, tags: Record<string, string>): Promise<ObjectFacts | null> {
  let head: HeadObjectCommandOutput;
  try {
    head = await side.s3.send(new HeadObjectCommand({ Bucket: side.bucket, Key: key, ChecksumMode: 'ENABLED' }));
  } catch (error) {
    if (errorName(error) === 'NotFound' || errorName(error) === 'NoSuchKey') return null;
    throw error;
  }
  const algorithm = CHECKSUMS.find((name) => head[`Checksum${name}`] !== undefined);
  return {
    size: head.ContentLength ?? 0,
    checksum: algorithm === undefined ? null : { algorithm, value: head[`Checksum${algorithm}`]!, ...(head.ChecksumType === undefined ? {} : { type: head.ChecksumType }) },
    etag: head.ETag ?? null,
    lastModified: head.LastModified?.getTime() ?? 0,
    versionId: head.VersionId ?? null,
    tags,
  };
}

/** GetObject, its body streamed through the RDB integrity check. */
async function readThrough(side: BucketSide, key: string, versionId: string | null) {
  const { Body } = await side.s3.send(new GetObjectCommand({ Bucket: side.bucket, Key: key, ...(versionId === null ? {} : { VersionId: versionId }) }));
  if (Body === undefined) throw new Error(`GetObject ${side.bucket}/${key} returned no body`);
  return checkRdbStream(Body as AsyncIterable<Uint8Array>);
}

function exportFailedAlert(deps: VerifyExportsDeps, exported: ExportKey, problems: readonly string[]): Alert {
  return {
    severity: 'critical',
    kind: 'verification-failed',
    resource: exported.cache,
    region: deps.own.region,
    summary: `export ${exported.key} failed verification: ${problems[0] ?? 'unknown'}`,
    action:
      `Do not restore from s3://${deps.own.bucket}/${exported.key}. Check the export bucket's replication (${deps.own.region} ↔ ${deps.other.region}) and ` +
      `export snapshot ${exported.snapshotName} again; the failure tag (${EXPORT_TAG.failedIn(deps.own.region)}) stops repeated alerts — remove it to verify the object again.`,
    source: 'verify-cache-exports',
    at: deps.now(),
    details: { bucket: deps.own.bucket, key: exported.key, snapshot: exported.snapshotName, problems: problems.join('; ').slice(0, 500) },
  };
}

