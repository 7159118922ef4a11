// The document an application-recovery execution carries from state to state: the plan its first step
// makes (the hook that rolls the application back, the version handed to it, the database part — the
// input of a nested database-recovery — and its execution name, the health URLs), and the named errors
// its steps throw for the state machine to retry or catch. Schemas, so each step parses its input at the
// edge (InvalidInput naming the field).

import * as z from 'zod/mini';
import { BackupDrError } from '../errors.js';
import { nonEmptyString } from '../runtime/input.js';

export const RUNBOOK = 'application-recovery';

/** Step Functions execution names: at most 80 characters. */
const EXECUTION_NAME_LIMIT = 80;
const DATABASE_SUFFIX = '-database';

/** The nested database-recovery's execution name: derived from this run's, so a retry or redrive finds it again instead of starting another. */
export function databaseExecutionName(runId: string): string {
  return `${runId.slice(0, EXECUTION_NAME_LIMIT - DATABASE_SUFFIX.length)}${DATABASE_SUFFIX}`;
}

export const hookKind = z.enum(['lambda', 'ssmDocument']);
export type HookKind = z.output<typeof hookKind>;

export const applicationPlan = z.object({
  runId: nonEmptyString,
  /** The execution's ARN (handed to the hook, recorded by the runbook steps). */
  execution: nonEmptyString,
  startedAt: z.number(),
  /** The rollback hook; an SSM document's `assumeRole` is passed as its AutomationAssumeRole parameter. */
  hook: z.object({ kind: hookKind, target: nonEmptyString, assumeRole: z.optional(nonEmptyString) }),
  /** What to roll back to, handed to the hook as given; null: the hook's own choice (its previous version). */
  version: z.nullable(z.string()),
  /** The nested database-recovery's input; null: no database restore. */
  database: z.nullable(z.record(z.string(), z.unknown())),
  databaseExecution: z.nullable(z.string()),
  healthUrls: z.array(z.string()),
  /** What the approvers are asked, key by key. */
  summary: z.record(z.string(), z.string()),
});
export type ApplicationPlan = z.output<typeof applicationPlan>;

/** The SSM Automation rollback is still running: the state machine asks again (RollbackNotReady retried). */
export class RollbackNotReady extends BackupDrError {
  override name = 'RollbackNotReady';
}

/** The rollback hook ran and failed (an automation Failed, Cancelled, TimedOut …). */
export class RollbackFailed extends BackupDrError {
  override name = 'RollbackFailed';
}

/** A health URL did not answer 2xx in time: retried a few times, then the run stops in maintenance mode. */
export class ApplicationUnhealthy extends BackupDrError {
  override name = 'ApplicationUnhealthy';
}
