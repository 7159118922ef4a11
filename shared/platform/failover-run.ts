// The document a region-failover execution carries from state to state, and its run record: the plan
// assess makes (per component what is restored, from which point, into what, the RPO it implies), which
// steps a previous run of the same failover recorded as done (resume skips them), and the names and
// keys every step shares. Schemas, so each step parses its input at the edge (InvalidInput naming the
// field); the types are what they produce.

import * as z from 'zod/mini';
import { PREFIX, REPORT_PREFIX, TAG } from '../contracts.js';
import { restorePlan } from '../rds/restore-run.js';
import { cacheReady, cacheRestorePlan } from '../redis/restore-run.js';
import { nonEmptyString } from '../runtime/input.js';

const epochMs = z.number({ error: 'must be a time in epoch milliseconds' });

export const RUNBOOK = 'region-failover';

/** failover: the real thing; rehearsal: everything up to validation, on rehearsal-named resources, then torn down. */
export const failoverMode = z.enum(['failover', 'rehearsal'], { error: 'must be "failover" or "rehearsal"' });
export type FailoverMode = z.output<typeof failoverMode>;

/** What an operator (or the rehearsal schedule) starts the state machine with. */
export const failoverInput = z.strictObject(
  {
    mode: z.optional(failoverMode),
    /** The execution name of a failed run of the same failover: steps its run record says are done are skipped. */
    resume: z.optional(z.string().check(z.regex(/^[\w-]{1,80}$/, { error: 'must be the name of a previous execution' }))),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? 'unknown input field (allowed: mode, resume)' : issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) },
);
export type FailoverInput = z.output<typeof failoverInput>;

/** How a database comes up in the secondary region. */
export const databaseMethod = z.enum(['promote', 'pitr', 'snapshot']);
export type DatabaseMethod = z.output<typeof databaseMethod>;

/**
 * One database of the plan: a restore-test plan (validate-restore validates it unchanged) with how it
 * is brought up. Promote: `instanceId` is the replica, `restorePoint` its replication lag's end.
 */
export const failoverDatabase = z.object({
  ...restorePlan.shape,
  method: databaseMethod,
  /** Absent: the source's class (RDS's default for both restores). */
  targetClass: z.optional(nonEmptyString),
  multiAz: z.boolean(),
  /** The step's name in the run record. */
  step: nonEmptyString,
  /** Recorded done by a previous run: skipped, its endpoint taken from the record. */
  done: z.boolean(),
  /** The resource has an `endpoint` in the policy to switch. */
  hasEndpoint: z.boolean(),
  /** A previous run recorded the endpoint switched. */
  endpointDone: z.boolean(),
  rpoMs: z.nullable(z.number()),
  rpoTargetMs: z.number(),
  rtoTargetMs: z.number(),
  /** The recovered instance (from the record of a previous run that did it). */
  instance: z.optional(z.object({ address: nonEmptyString, port: z.number(), availableAt: epochMs })),
});
export type FailoverDatabase = z.output<typeof failoverDatabase>;

/** One configuration of the plan: its newest bundle restored into the secondary by restore-configuration. */
export const failoverConfiguration = z.object({ resource: nonEmptyString, step: nonEmptyString, done: z.boolean() });
export type FailoverConfiguration = z.output<typeof failoverConfiguration>;

/**
 * One cache of the plan: seeded from the newest export verified in the secondary into the policy's
 * group (a rehearsal's bdr-rh-* one). `plan` is a cache restore-test plan (the restore test's status,
 * validation and teardown steps take it unchanged); absent when there is no verified export, and then
 * `missing` says why — the Caches branch fails on it (NoCacheRestorePoint) and the plan says so beforehand.
 */
export const failoverCache = z.object({
  resource: nonEmptyString,
  step: nonEmptyString,
  plan: z.optional(cacheRestorePlan),
  missing: z.optional(nonEmptyString),
  /** Recorded done by a previous run: skipped, its endpoint taken from the record. */
  done: z.boolean(),
  hasEndpoint: z.boolean(),
  endpointDone: z.boolean(),
  /** The export's age when the run started (the data the cache loses); null without an export. */
  rpoMs: z.nullable(z.number()),
  rpoTargetMs: z.number(),
  rtoTargetMs: z.number(),
  /** The seeded group's endpoint (from the record of a previous run that did it). */
  group: z.optional(cacheReady),
});
export type FailoverCache = z.output<typeof failoverCache>;

/** The steps of the run outside the components, by their name in the run record. */
export const STEPS = { approval: 'approval', maintenanceOn: 'maintenance-on', maintenanceOff: 'maintenance-off', teardown: 'teardown' } as const;

export const failoverPlan = z.object({
  runId: nonEmptyString,
  mode: failoverMode,
  /** The first execution of this failover (a resumed run keeps measuring from it). */
  startedAt: epochMs,
  /** The execution that started this part of the run. */
  execution: nonEmptyString,
  resumedFrom: z.optional(nonEmptyString),
  /** Steps outside the components that a previous run recorded as done. */
  done: z.object({ approval: z.boolean(), maintenanceOn: z.boolean(), maintenanceOff: z.boolean() }),
  databases: z.array(failoverDatabase),
  /** The caches with a `failover` section (absent in a run record of before caches were recovered: none). */
  caches: z._default(z.array(failoverCache), []),
  configurations: z.array(failoverConfiguration),
  /** The primary region as far as it answered (never required). */
  primary: z.object({ reachable: z.boolean(), detail: z.string() }),
  /** Per component what will be restored and the data loss it implies: what the approver reads. */
  summary: z.record(z.string(), z.string()),
});
export type FailoverPlan = z.output<typeof failoverPlan>;

/** The record of each step done, one object per step, in the secondary's reports bucket. */
export function runRecordPrefix(runId: string): string {
  return `${REPORT_PREFIX.runs}${RUNBOOK}/${runId}/`;
}
export function stepRecordKey(runId: string, step: string): string {
  return `${runRecordPrefix(runId)}${step}.json`;
}

export const stepRecord = z.object({ step: nonEmptyString, doneAt: epochMs, execution: nonEmptyString, result: z.optional(z.unknown()) });
export type StepRecord = z.output<typeof stepRecord>;

export const RECOVERY_TAG = TAG.recovery;
export const REHEARSAL_PREFIX = PREFIX.rehearsal;

export const stepName = {
  database: (resource: string) => `database-${resource}`,
  endpoint: (resource: string) => `endpoint-${resource}`,
  configuration: (resource: string) => `configuration-${resource}`,
  cache: (resource: string) => `cache-${resource}`,
};
