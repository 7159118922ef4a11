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

export const checkStatus = z.enum(['passed', 'failed', 'skipped']);

/** What validate-restore reports (structurally the same as its ValidationReport). */
export const validationSummary = z.object({
  passed: z.boolean(),
  // Loose: a check may carry more (expected, observed), which the evidence keeps.
  checks: z.array(z.looseObject({ name: z.string(), status: checkStatus, detail: z.string(), durationMs: z.number() })),
  serverVersion: z.nullable(z.string()),
  /** Newest data found by the freshness query (epoch ms). */
  newestData: z.nullable(epochMs),
  startedAt: epochMs,
  finishedAt: epochMs,
});
export type ValidationSummary = z.output<typeof validationSummary>;

/** A Catch's error output (`ResultPath: "$.error"`). */
export const stepError = z.object({ Error: z.string(), Cause: z.optional(z.string()) });
export type StepError = z.output<typeof stepError>;

export const verdict = z.object({
  passed: z.boolean(),
  failures: z.array(z.string()),
  /** Restore requested → validation passed (ms); null when it never passed. */
  rtoMs: z.nullable(z.number()),
  rtoTargetMs: z.number(),
  /** Restore point → newest data found (ms); null when not measured. */
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
