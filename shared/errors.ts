// Domain errors every component shares. Each class writes its `name` as a literal: Step Functions'
// Retry/Catch and the alerting code match on it, and bundlers may rename classes. A component's own
// errors live in shared/<component>/errors.ts.

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

/** One or more resources failed in a run; each failure has already been alerted. */
export class RunFailed extends BackupDrError {
  override name = 'RunFailed';
  constructor(
    message: string,
    /** Per failure its resource, the error's name, and — where a run does more than one thing — which step failed. */
    readonly failures: readonly { resource: string; error: string; step?: string }[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An error's name, whatever was thrown. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
