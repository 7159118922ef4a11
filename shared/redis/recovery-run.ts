// The document a redis-recovery execution carries from state to state (README, "Recovering a cache").
// Its plan is a cache restore-test plan with more fields — the execution, how the backup was chosen, the
// production shape of the new group, the group it replaces — so the restore test's status and
// validate-cache-restore steps take it as it is. Every step parses its input with these schemas at the
// edge: a malformed document fails as InvalidInput naming the field. Secrets never enter it.

import * as z from 'zod/mini';
import { nonEmptyString } from '../runtime/input.js';
import { cacheReady, cacheRestorePlan, cacheSeeded, cacheValidationSummary, stepError } from './restore-run.js';

/** How the operator chose the backup: the newest verified one (no field), or by name. */
export const CHOSEN_BY = ['newest', 'snapshot', 'export'] as const;

export const cacheRecoveryPlan = z.extend(cacheRestorePlan, {
  /** $$.Execution.Id: tagged on the new group. */
  execution: nonEmptyString,
  chosenBy: z.enum(CHOSEN_BY),
  /** The backup's export is whole and verified in this region (a backup named by the operator may not be). */
  verified: z.boolean(),
  /** The new group's shape: production's when the source group still exists, else the restore test's network and node type. */
  shapedFrom: z.enum(['source', 'restore-test']),
  numCacheClusters: z.int().check(z.gte(1), z.lte(6)),
  automaticFailover: z.boolean(),
  multiAz: z.boolean(),
  snapshotRetentionLimit: z.int().check(z.gte(0)),
  parameterGroup: z.optional(nonEmptyString),
  /** The production group before the switch: what the report says to roll back to (absent: it no longer exists). */
  sourceArn: z.optional(nonEmptyString),
  sourceAddress: z.optional(nonEmptyString),
});
export type CacheRecoveryPlan = z.output<typeof cacheRecoveryPlan>;

export const cacheRecoveryTeardownInput = z.object({ plan: z.optional(cacheRecoveryPlan) });
export const cacheRecoveryStepInput = z.object({ plan: cacheRecoveryPlan });

export const cacheRetired = z.object({ groupId: z.string(), keepUntil: z.string(), tagged: z.boolean(), detail: z.string() });
export type CacheRetired = z.output<typeof cacheRetired>;

/** The execution's state document (JSONPath `$`) as the Report and Notify steps receive it. */
export const cacheRecoveryRun = z.object({
  outcome: z.enum(['succeeded', 'rejected', 'failed']),
  run: z.object({
    input: z.optional(z.unknown()),
    execution: z.optional(z.string()),
    plan: z.optional(cacheRecoveryPlan),
    seeded: z.optional(cacheSeeded),
    group: z.optional(cacheReady),
    validation: z.optional(cacheValidationSummary),
    approval: z.optional(z.object({ approved: z.boolean(), by: z.optional(z.string()), at: z.optional(z.string()) })),
    endpoint: z.optional(z.looseObject({ target: z.optional(z.string()), previous: z.optional(z.nullable(z.string())), current: z.optional(z.string()) })),
    endpointChange: z.optional(z.looseObject({ status: z.optional(z.string()) })),
    retired: z.optional(cacheRetired),
    teardown: z.optional(z.object({ deleted: z.boolean(), detail: z.string() })),
    error: z.optional(stepError),
    teardownError: z.optional(stepError),
    rejection: z.optional(stepError),
  }),
});
export type CacheRecoveryRun = z.output<typeof cacheRecoveryRun>;
