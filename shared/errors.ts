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
