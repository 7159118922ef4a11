// Translation of the RDS faults we expect into domain errors, at the edge only; anything else is
// rethrown untouched so it is neither hidden nor mislabelled.

import {
  ConfigurationError,
  CopyLimitReached,
  InstanceNotFound,
  InstanceNotReady,
  KmsKeyNotAccessible,
  SnapshotQuotaExceeded,
} from '../errors.js';

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isAlreadyExists(error: unknown): boolean {
  return errorName(error) === 'DBSnapshotAlreadyExistsFault' || errorName(error) === 'DBSnapshotAlreadyExists';
}

export function isSnapshotNotFound(error: unknown): boolean {
  return errorName(error) === 'DBSnapshotNotFoundFault' || errorName(error) === 'DBSnapshotNotFound';
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
