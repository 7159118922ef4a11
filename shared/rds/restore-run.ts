// The document a restore-test execution carries from state to state: what is restored, where, into
// which temporary instance, what was measured. Every step adds its part; none removes another's. Each
// part is a schema: every step parses its input with it at the edge, so a malformed document fails as
// InvalidInput naming the field, and the types below are what the schemas produce.

import * as z from 'zod/mini';
import { nonEmptyString } from '../runtime/input.js';

const epochMs = z.number({ error: 'must be a time in epoch milliseconds' });
const region = z.enum(['primary', 'secondary'], { error: 'must be "primary" or "secondary"' });

export const restoreKind = z.enum(['snapshot', 'pitr'], { error: 'must be "snapshot" or "pitr"' });
export type RestoreKind = z.output<typeof restoreKind>;

export const restorePlan = z.object({
  runId: nonEmptyString,
  kind: restoreKind,
  resource: nonEmptyString,
  role: region,
  region: nonEmptyString,
  /** Snapshot restores: the snapshot and when its data was taken. */
  snapshotId: z.optional(nonEmptyString),
  snapshotArn: z.optional(nonEmptyString),
  /** PITR: the replicated automated backups restored from. */
  automatedBackupsArn: z.optional(nonEmptyString),
  /** The restore point: the snapshot's time, or the requested point in time (epoch ms). */
  restorePoint: epochMs,
  sourceInstanceId: nonEmptyString,
  instanceId: nonEmptyString,
  instanceClass: nonEmptyString,
  subnetGroup: z.optional(nonEmptyString),
  securityGroups: z.array(z.string()),
  /** The database to validate, when the policy names one (else the instance's initial database). */
  database: z.optional(nonEmptyString),
  credentialsSecret: nonEmptyString,
  plannedAt: epochMs,
  /** Waiting for the restored instance ends here (plannedAt + restoreTest.timeout): RestoreTimedOut. */
  waitUntil: epochMs,
});
export type RestorePlan = z.output<typeof restorePlan>;

export const restoreStarted = z.object({ requestedAt: epochMs, alreadyExisted: z.boolean() });
export type RestoreStarted = z.output<typeof restoreStarted>;

export const instanceReady = z.object({
  address: nonEmptyString,
  port: z.number(),
  /** The instance's initial database (RDS DBName), if it has one. */
  database: z.optional(z.string()),
  availableAt: epochMs,
});
export type InstanceReady = z.output<typeof instanceReady>;

/**
 * A check's result: passed; failed (the restore is wrong); inconclusive (a check the policy requires could
 * not run, or had nothing to compare with); skipped (the policy does not ask for it for this kind of test).
 */
export const checkStatus = z.enum(['passed', 'failed', 'inconclusive', 'skipped']);
export type CheckStatus = z.output<typeof checkStatus>;

/** A verdict: only `passed` is green; `inconclusive` means the backup was not proven either way. */
export const outcome = z.enum(['passed', 'failed', 'inconclusive'], { error: 'must be "passed", "failed" or "inconclusive"' });
export type Outcome = z.output<typeof outcome>;

const count = z.int().check(z.gte(0));

/**
 * What validate-restore hands the state machine: bounded whatever the database holds (Step Functions
 * refuses a state over 256 KB with States.DataLimitExceeded, which no Catch catches). Every check with its
 * status, details only where one did not pass (truncated); the full report is in the reports bucket at
 * `reportKey`.
 */
export const validationSummary = z.object({
  outcome,
  counts: z.object({ passed: count, failed: count, inconclusive: count, skipped: count }),
  checks: z.array(z.object({ name: z.string(), status: checkStatus, durationMs: z.number(), detail: z.optional(z.string()) })),
  /** Checks beyond the listed ones (only passed ones are left out first). */
  omittedChecks: count,
  /** Things a person should know that did not decide the outcome (e.g. rows dated after the restore point). */
  warnings: z.array(z.string()),
  serverVersion: z.nullable(z.string()),
  /** Newest data at or before the restore point, by the freshness check (epoch ms). */
  newestData: z.nullable(epochMs),
  startedAt: epochMs,
  finishedAt: epochMs,
  /** The full report (every check with what it expected and observed) in this region's reports bucket. */
  reportKey: nonEmptyString,
});
export type ValidationSummary = z.output<typeof validationSummary>;

/** A Catch's error output (`ResultPath: "$.error"`). */
export const stepError = z.object({ Error: z.string(), Cause: z.optional(z.string()) });
export type StepError = z.output<typeof stepError>;

export const verdict = z.object({
  outcome,
  failures: z.array(z.string()),
  /** Why the test proved nothing either way (a required check that could not run or had nothing to compare). */
  inconclusive: z.array(z.string()),
  /** Restore requested → validation finished without a failure (ms); null when it did not. */
  rtoMs: z.nullable(z.number()),
  rtoTargetMs: z.number(),
  /** Restore point → newest data at or before it (ms); null when not measured. */
  rpoMs: z.nullable(z.number()),
  rpoTargetMs: z.number(),
  evidenceKey: z.nullable(z.string()),
});
export type Verdict = z.output<typeof verdict>;

export const teardownResult = z.object({ deleted: z.boolean(), detail: z.string() });

/** The execution's state document (JSONPath `$`). */
export const restoreRun = z.object({
  input: z.optional(z.unknown()),
  kind: z.optional(restoreKind),
  plan: z.optional(restorePlan),
  restore: z.optional(restoreStarted),
  instance: z.optional(instanceReady),
  validation: z.optional(validationSummary),
  teardown: z.optional(teardownResult),
  error: z.optional(stepError),
  teardownError: z.optional(stepError),
  verdict: z.optional(verdict),
  recordError: z.optional(stepError),
});
export type RestoreRun = z.output<typeof restoreRun>;

/** The inputs of the steps, as the ASL hands them over. */
export const planStepInput = z.object({ kind: restoreKind, input: z.optional(z.unknown()) });
export const validateStepInput = z.object({ plan: restorePlan, instance: instanceReady });
export const teardownStepInput = z.object({ plan: z.optional(restorePlan) });
