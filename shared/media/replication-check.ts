// Whether an object reached the replica as it is in the source, pure, from HEAD of each with checksum
// mode (README, "Media"): there, the same version (replication keeps version ids), the same size, and the
// same S3 checksum when both store one of the same algorithm — else the ETag, which replication copies as
// it is. An object that stores no checksum is reported apart: its copy can only be compared by size and
// ETag until a checksum is added (README: how to backfill one). Replication still under way (the source
// says PENDING) is not a failure until Replication Time Control's 15 minutes have long passed.

export interface ObjectHead {
  readonly versionId: string | null;
  readonly size: number;
  readonly etag: string | null;
  /** The stored checksum, when there is one. */
  readonly checksum: { readonly algorithm: string; readonly value: string } | null;
  readonly lastModified: number;
  /** x-amz-replication-status of the source (PENDING, COMPLETED, FAILED) or of a replica (REPLICA). */
  readonly replicationStatus: string | null;
}

export type ReplicaVerdict =
  | { readonly status: 'same'; readonly compared: 'checksum' | 'etag' | 'size' }
  | { readonly status: 'pending'; readonly reason: string }
  | { readonly status: 'missing'; readonly reason: string }
  | { readonly status: 'different'; readonly problems: readonly string[] };

/** Twice Replication Time Control's 15 minutes: a copy not there by then has failed. */
export const REPLICATION_GRACE_MS = 30 * 60_000;

export function compareReplica(key: string, source: ObjectHead, replica: ObjectHead | null, now: number): ReplicaVerdict {
  const late = now - source.lastModified > REPLICATION_GRACE_MS;
  if (source.replicationStatus === 'FAILED') return { status: 'missing', reason: `${key}: S3 reports its replication FAILED` };
  if (replica === null) {
    if (!late) return { status: 'pending', reason: `${key}: not in the replica yet, ${Math.round((now - source.lastModified) / 60_000)} min after it was written` };
    return { status: 'missing', reason: `${key}: missing in the replica ${Math.round((now - source.lastModified) / 60_000)} min after it was written${source.replicationStatus === 'PENDING' ? ' (still PENDING)' : ''}` };
  }
  if (source.versionId !== null && replica.versionId !== null && source.versionId !== replica.versionId) {
    // The replica's current version is another (older, or a newer one not yet in the source listing).
    if (!late) return { status: 'pending', reason: `${key}: the replica has version ${replica.versionId}, not yet ${source.versionId}` };
    return { status: 'different', problems: [`${key}: version ${source.versionId} in the source, ${replica.versionId} in the replica`] };
  }
  const problems: string[] = [];
  if (source.size !== replica.size) problems.push(`${key}: ${source.size} bytes in the source, ${replica.size} in the replica`);
  let compared: 'checksum' | 'etag' | 'size' = 'size';
  if (source.checksum !== null && replica.checksum !== null && source.checksum.algorithm === replica.checksum.algorithm) {
    compared = 'checksum';
    if (source.checksum.value !== replica.checksum.value) problems.push(`${key}: ${source.checksum.algorithm} ${source.checksum.value} in the source, ${replica.checksum.value} in the replica`);
  } else if (source.etag !== null && replica.etag !== null) {
    compared = 'etag';
    if (source.etag !== replica.etag) problems.push(`${key}: ETag ${source.etag} in the source, ${replica.etag} in the replica`);
  }
  return problems.length > 0 ? { status: 'different', problems } : { status: 'same', compared };
}

/** The checksum HEAD reports in checksum mode, strongest first (CRC64NVME is S3's default for new uploads). */
export const CHECKSUM_ALGORITHMS = ['CRC64NVME', 'SHA256', 'SHA1', 'CRC32C', 'CRC32'] as const;

export function checksumOf(head: Partial<Record<`Checksum${(typeof CHECKSUM_ALGORITHMS)[number]}`, string>>): ObjectHead['checksum'] {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = head[`Checksum${algorithm}`];
    if (value !== undefined) return { algorithm, value };
  }
  return null;
}
