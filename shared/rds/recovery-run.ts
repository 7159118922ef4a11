// The document a database-recovery execution carries from state to state (README, "Recovery runbooks").
// Its plan is a restore-test plan with more fields — what the recovery is for, whether the instance
// stays, which tables a partial recovery copies — so the restore-test's status and validate-restore
// steps take it as it is. Every step parses its input with these schemas at the edge: a malformed
// document fails as InvalidInput naming the field.

import * as z from 'zod/mini';
import { nonEmptyString } from '../runtime/input.js';
import { instanceReady, restorePlan } from './restore-run.js';

export const RECOVERY_MODES = ['full', 'point-in-time', 'partial'] as const;
export const recoveryMode = z.enum(RECOVERY_MODES, { error: 'must be "full", "point-in-time" or "partial"' });
export type RecoveryMode = z.output<typeof recoveryMode>;

/** At most this many tables in one partial recovery: the report (with its merge SQL) stays small. */
export const MAX_RECOVERY_TABLES = 50;

export const recoveryPlan = z.extend(restorePlan, {
  mode: recoveryMode,
  /** $$.Execution.Id: tagged on what the run creates. */
  execution: nonEmptyString,
  /** Plan only: nothing is restored. */
  dryRun: z.boolean(),
  /** The restored instance stays (full, point-in-time); a partial recovery's is temporary and always deleted. */
  keep: z.boolean(),
  /** Partial: the tables to copy ("schema.table"), and the schema of production they land in. */
  tables: z.array(nonEmptyString).check(z.maxLength(MAX_RECOVERY_TABLES)),
  recoverySchema: z.optional(nonEmptyString),
  /** The new instance's Multi-AZ and parameter group: production's when it stays. */
  multiAz: z.boolean(),
  parameterGroup: z.optional(nonEmptyString),
  /** Full: the source instance's endpoint before the switch (what the report says to roll back to). */
  sourceAddress: z.optional(nonEmptyString),
});
export type RecoveryPlan = z.output<typeof recoveryPlan>;

/** The input of the steps that work on the restored instance (validate, copy). */
export const recoveryStepInput = z.object({ plan: recoveryPlan, instance: instanceReady });
export const recoveryTeardownInput = z.object({ plan: z.optional(recoveryPlan) });
