// The Redis component's errors: domain errors with literal names, and the translation of the
// ElastiCache faults we expect into them — at the edge only; anything else is rethrown untouched.

import { BackupDrError, errorMessage, errorName } from '../errors.js';

/** The replication group (or the node chosen) is not `available`: modifying, snapshotting, creating… */
export class CacheNotReady extends BackupDrError {
  override name = 'CacheNotReady';
}

/** The replication group named in the policy does not exist in the region. */
export class CacheNotFound extends BackupDrError {
  override name = 'CacheNotFound';
}

/** The account's manual-snapshot quota, or 20 snapshots of a node in 24 hours, would be exceeded. */
export class CacheSnapshotQuotaExceeded extends BackupDrError {
  override name = 'CacheSnapshotQuotaExceeded';
}

/** ElastiCache cannot snapshot this group (a Memcached cluster, a cache.t1.micro node). */
export class CacheSnapshotNotSupported extends BackupDrError {
  override name = 'CacheSnapshotNotSupported';
}

export function isCacheSnapshotAlreadyExists(error: unknown): boolean {
  return errorName(error) === 'SnapshotAlreadyExistsFault';
}

/** Maps a CreateSnapshot / DescribeReplicationGroups fault to a domain error, or returns the original error. */
export function translateElastiCacheError(error: unknown): unknown {
  const message = errorMessage(error);
  const options = { cause: error };
  switch (errorName(error)) {
    case 'InvalidReplicationGroupStateFault':
    case 'InvalidCacheClusterStateFault':
      return new CacheNotReady(message, options);
    case 'ReplicationGroupNotFoundFault':
    case 'CacheClusterNotFoundFault':
      return new CacheNotFound(message, options);
    case 'SnapshotQuotaExceededFault':
      return new CacheSnapshotQuotaExceeded(message, options);
    case 'SnapshotFeatureNotSupportedFault':
      return new CacheSnapshotNotSupported(message, options);
    default:
      return error;
  }
}
