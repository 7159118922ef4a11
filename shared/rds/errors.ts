// The RDS component's errors: domain errors with literal names (the restore-test ASL retries and
// catches them by name), and the translation of the RDS faults we expect into them — at the edge only;
// anything else is rethrown untouched so it is neither hidden nor mislabelled.

import { BackupDrError, ConfigurationError, errorMessage, errorName } from '../errors.js';

/** An RDS manual-snapshot quota would be exceeded. */
export class SnapshotQuotaExceeded extends BackupDrError {
  override name = 'SnapshotQuotaExceeded';
}

/** Too many cross-region snapshot copies are already in flight to the destination region. */
export class CopyLimitReached extends BackupDrError {
  override name = 'CopyLimitReached';
}

/** The DB instance is in a state that forbids a snapshot (stopped, modifying, …). */
export class InstanceNotReady extends BackupDrError {
  override name = 'InstanceNotReady';
}

/** The DB instance named in the policy does not exist. */
export class InstanceNotFound extends BackupDrError {
  override name = 'InstanceNotFound';
}

/** The KMS key exists in the policy but RDS cannot use it (disabled, deleted, no grant). */
export class KmsKeyNotAccessible extends BackupDrError {
  override name = 'KmsKeyNotAccessible';
}

/** The restored instance is not available yet: the state machine waits and retries on this name. */
export class RestoreNotReady extends BackupDrError {
  override name = 'RestoreNotReady';
}

/** The restore itself failed (RDS put the instance in a failed state, or refused the restore). */
export class RestoreFailed extends BackupDrError {
  override name = 'RestoreFailed';
}

/** There is nothing to restore: no snapshot (or automated backup) matching the request. */
export class NoRestorePoint extends BackupDrError {
  override name = 'NoRestorePoint';
}

/** The restored instance did not become available within the policy's restoreTest.timeout. */
export class RestoreTimedOut extends BackupDrError {
  override name = 'RestoreTimedOut';
}

/** The manifest captured with a snapshot exists but cannot be read (access, network): not the same as "none". */
export class ManifestUnreadable extends BackupDrError {
  override name = 'ManifestUnreadable';
}

/** The manifest captured with a snapshot is not a valid manifest (unparsable, wrong shape). */
export class ManifestInvalid extends BackupDrError {
  override name = 'ManifestInvalid';
}

/** The temporary instance cannot be deleted yet (creating, backing up, modifying): teardown is retried. */
export class TeardownNotReady extends BackupDrError {
  override name = 'TeardownNotReady';
}

/** Teardown found an instance that is not this run's (not ours, or another run's): it never deletes it. */
export class TeardownRefused extends BackupDrError {
  override name = 'TeardownRefused';
}

export function isAlreadyExists(error: unknown): boolean {
  return errorName(error) === 'DBSnapshotAlreadyExistsFault' || errorName(error) === 'DBSnapshotAlreadyExists';
}

export function isSnapshotNotFound(error: unknown): boolean {
  return errorName(error) === 'DBSnapshotNotFoundFault' || errorName(error) === 'DBSnapshotNotFound';
}

export function isInstanceNotFound(error: unknown): boolean {
  return errorName(error) === 'DBInstanceNotFoundFault' || errorName(error) === 'DBInstanceNotFound';
}

export function isInstanceAlreadyExists(error: unknown): boolean {
  return errorName(error) === 'DBInstanceAlreadyExistsFault' || errorName(error) === 'DBInstanceAlreadyExists';
}

export function isThrottling(error: unknown): boolean {
  const name = errorName(error);
  return name === 'ThrottlingException' || name === 'Throttling' || name === 'RequestLimitExceeded' || name === 'TooManyRequestsException';
}

/** Maps a CreateDBSnapshot/CopyDBSnapshot fault to a domain error, or returns the original error. */
export function translateRdsError(error: unknown): unknown {
  const name = errorName(error);
  const message = errorMessage(error);
  const options = { cause: error };
  switch (name) {
    case 'SnapshotQuotaExceededFault':
    case 'SnapshotQuotaExceeded':
      // AWS returns the same fault for the cross-region copy limit ("Cannot copy more than N
      // snapshots across regions") and for the manual-snapshot quota ("Cannot create more than 100").
      return /across regions/i.test(message) ? new CopyLimitReached(message, options) : new SnapshotQuotaExceeded(message, options);
    case 'InvalidDBInstanceStateFault':
    case 'InvalidDBInstanceState':
      return new InstanceNotReady(message, options);
    case 'DBInstanceNotFoundFault':
    case 'DBInstanceNotFound':
      return new InstanceNotFound(message, options);
    case 'KMSKeyNotAccessibleFault':
    case 'KMSKeyNotAccessible':
      return new KmsKeyNotAccessible(message, options);
    case 'InvalidParameterValue':
    case 'InvalidParameterCombination':
      return /kms/i.test(message) ? new ConfigurationError(message, options) : error;
    default:
      return error;
  }
}
