// Domain errors. Each class writes its `name` as a literal: Step Functions' Retry/Catch and the
// alerting code match on it, and bundlers may rename classes.

export class BackupDrError extends Error {
  override name = 'BackupDrError';
}

/** Input (CLI arguments, event payloads, files) that fails validation. `field` names the bad part. */
export class InvalidInput extends BackupDrError {
  override name = 'InvalidInput';
  constructor(
    readonly field: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(field === '' ? message : `${field}: ${message}`, options);
  }
}

/** The policy file (or a retention policy) is invalid. */
export class InvalidPolicy extends BackupDrError {
  override name = 'InvalidPolicy';
}

/** A retention plan that a guard refuses to carry out; nothing is removed. */
export class RetentionRefused extends BackupDrError {
  override name = 'RetentionRefused';
}

/** A required environment variable is missing or empty (a deployment error). */
export class MissingConfiguration extends BackupDrError {
  override name = 'MissingConfiguration';
}

/** The policy and the account disagree (e.g. an encrypted snapshot but no destination KMS key). */
export class ConfigurationError extends BackupDrError {
  override name = 'ConfigurationError';
}

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

/** One or more resources failed in a run; each failure has already been alerted. */
export class RunFailed extends BackupDrError {
  override name = 'RunFailed';
  constructor(
    message: string,
    readonly failures: readonly { resource: string; error: string }[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
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
