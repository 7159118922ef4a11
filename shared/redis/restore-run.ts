// The document a cache restore-test execution carries from state to state: what is seeded from, into
// which temporary replication group, where, and what was measured. Every step adds its part; none
// removes another's. Each part is a schema every step parses its input with at the edge, so a malformed
// document fails as InvalidInput naming the field. Secrets never enter it: steps read them themselves.

import * as z from 'zod/mini';
import { nonEmptyString } from '../runtime/input.js';

const epochMs = z.number({ error: 'must be a time in epoch milliseconds' });
const role = z.enum(['primary', 'secondary'], { error: 'must be "primary" or "secondary"' });

/** What the temporary group is seeded from: the snapshot itself (primary), or the export's .rdb objects in S3. */
export const cacheSeed = z.union([
  z.object({ kind: z.literal('snapshot'), snapshotName: nonEmptyString }),
  z.object({ kind: z.literal('export'), bucket: nonEmptyString, keys: z.array(nonEmptyString).check(z.minLength(1)) }),
]);
export type CacheSeed = z.output<typeof cacheSeed>;

export const cacheRestorePlan = z.object({
  runId: nonEmptyString,
  resource: nonEmptyString,
  /** The production group the backup is of. */
  sourceGroupId: nonEmptyString,
  role,
  region: nonEmptyString,
  /** The backup restored (our snapshot's name, which its export objects carry) and when it was taken (epoch ms). */
  snapshotName: nonEmptyString,
  restorePoint: epochMs,
  seed: cacheSeed,
  /** The temporary replication group. */
  groupId: nonEmptyString,
  nodeType: nonEmptyString,
  subnetGroup: z.optional(nonEmptyString),
  securityGroups: z.array(z.string()),
  userGroupId: z.optional(nonEmptyString),
  /** Engine and version of the source as the manifest recorded them, when one was captured. */
  engine: z.optional(nonEmptyString),
  engineVersion: z.optional(nonEmptyString),
  /** The manifest captured with the snapshot, in this region's reports bucket. */
  manifestKey: nonEmptyString,
  /** Whether the test restored the newest verified backup (only then is its age the RPO the cache has now). */
  newest: z.boolean(),
  plannedAt: epochMs,
  /** Waiting for the group ends here (plannedAt + restoreTest.timeout): CacheRestoreTimedOut. */
  waitUntil: epochMs,
});
export type CacheRestorePlan = z.output<typeof cacheRestorePlan>;

export const cacheSeeded = z.object({ requestedAt: epochMs, alreadyExisted: z.boolean() });
export type CacheSeeded = z.output<typeof cacheSeeded>;

export const cacheReady = z.object({ host: nonEmptyString, port: z.number(), availableAt: epochMs });
export type CacheReady = z.output<typeof cacheReady>;

export const cacheOutcome = z.enum(['passed', 'failed', 'inconclusive'], { error: 'must be "passed", "failed" or "inconclusive"' });
export type CacheOutcome = z.output<typeof cacheOutcome>;

/** What validate-cache-restore hands the state machine: bounded (the full report is in S3 at reportKey). */
export const cacheValidationSummary = z.object({
  outcome: cacheOutcome,
  checks: z.array(z.object({ name: z.string(), status: z.enum(['pass', 'fail', 'inconclusive']), detail: z.string() })),
  /** The manifest compared with (absent: none was captured, and the data could not be judged). */
  manifestCapturedAt: z.nullable(z.string()),
  engine: z.nullable(z.string()),
  keys: z.number(),
  startedAt: epochMs,
  finishedAt: epochMs,
  reportKey: nonEmptyString,
});
export type CacheValidationSummary = z.output<typeof cacheValidationSummary>;

export const stepError = z.object({ Error: z.string(), Cause: z.optional(z.string()) });

export const cacheVerdict = z.object({
  outcome: cacheOutcome,
  failures: z.array(z.string()),
  inconclusive: z.array(z.string()),
  /** Seeding requested → validation finished without a failure (ms); null when it did not. */
  rtoMs: z.nullable(z.number()),
  rtoTargetMs: z.number(),
  /** The restored backup's age when the test was planned (ms): the data a restore then would lose; null unless the newest was restored. */
  rpoMs: z.nullable(z.number()),
  rpoTargetMs: z.number(),
  evidenceKey: z.nullable(z.string()),
});
export type CacheVerdict = z.output<typeof cacheVerdict>;

export const cacheTeardown = z.object({ deleted: z.boolean(), detail: z.string() });

/** The execution's state document (JSONPath `$`). */
export const cacheRestoreRun = z.object({
  input: z.optional(z.unknown()),
  plan: z.optional(cacheRestorePlan),
  seeded: z.optional(cacheSeeded),
  group: z.optional(cacheReady),
  validation: z.optional(cacheValidationSummary),
  teardown: z.optional(cacheTeardown),
  error: z.optional(stepError),
  teardownError: z.optional(stepError),
  verdict: z.optional(cacheVerdict),
  recordError: z.optional(stepError),
});
export type CacheRestoreRun = z.output<typeof cacheRestoreRun>;

export const cacheValidateStepInput = z.object({ plan: cacheRestorePlan, group: cacheReady });
export const cacheTeardownStepInput = z.object({ plan: z.optional(cacheRestorePlan) });
export const cachePlanStepInput = z.object({ input: z.optional(z.unknown()) });

/** The cache a run was asked about, for an alert or evidence of a run that never got a plan. */
export function requestedResource(run: { readonly plan?: { readonly resource: string } | undefined; readonly input?: unknown }): string {
  const asked = (run.input as { resource?: unknown } | null | undefined)?.resource;
  return run.plan?.resource ?? (typeof asked === 'string' ? asked : 'unknown');
}
