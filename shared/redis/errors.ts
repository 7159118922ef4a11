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

/** Nothing verified to restore a cache from in the region the test runs in. */
export class NoCacheRestorePoint extends BackupDrError {
  override name = 'NoCacheRestorePoint';
}

/** The temporary replication group is not available yet: the state machine asks again. */
export class CacheRestoreNotReady extends BackupDrError {
  override name = 'CacheRestoreNotReady';
}

/** The temporary replication group did not become available within restoreTest.timeout. */
export class CacheRestoreTimedOut extends BackupDrError {
  override name = 'CacheRestoreTimedOut';
}

/** ElastiCache refused the seeding, or the group ended in a state it never leaves by itself (create-failed). */
export class CacheRestoreFailed extends BackupDrError {
  override name = 'CacheRestoreFailed';
}

/** The temporary group cannot be deleted yet (creating, modifying, snapshotting): the state machine retries. */
export class CacheTeardownNotReady extends BackupDrError {
  override name = 'CacheTeardownNotReady';
}

/** A group by the temporary name exists but is not this run's: it is never deleted. */
export class CacheTeardownRefused extends BackupDrError {
  override name = 'CacheTeardownRefused';
}

/** The manifest of a cache snapshot exists but cannot be read, or is not a manifest. */
export class CacheManifestUnreadable extends BackupDrError {
  override name = 'CacheManifestUnreadable';
}
