// Plans an application recovery, pure: checks the operator's input — the version handed to the rollback
// hook, and the database part, which is database-recovery's own input checked by its own rules — before
// anything changes (application-recovery-plan.ts adds the restorable window's check of a database time),
// and says what the run will do, for the approvers: maintenance mode, the hook, the
// database, the health URLs, the objective.

import * as z from 'zod/mini';
import { InvalidInput } from '../../../shared/errors.js';
import { databaseExecutionName, type ApplicationPlan } from '../../../shared/platform/application-run.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { checkInput } from '../../../shared/rds/recovery-input.js';
import { parseInput, strictInput } from '../../../shared/runtime/input.js';
import { formatIsoInZone } from '../../../shared/time/zone.js';

const VERSION_LIMIT = 256;

/** What an operator starts application-recovery with: `{}`, or a version and/or a database part. */
export const applicationInput = strictInput({
  version: z.optional(
    z.string({ error: 'must be a string (what to roll back to, handed to the rollback hook)' }).check(z.minLength(1, { error: 'must not be empty (leave it out to let the hook choose)' }), z.maxLength(VERSION_LIMIT, { error: `at most ${VERSION_LIMIT} characters` })),
  ),
  database: z.optional(z.record(z.string(), z.unknown(), { error: 'must be an object: the database-recovery input ({"resource", "mode", …})' })),
});

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** database-recovery's error, its field named under `database.` (an error of another kind unchanged). */
export function asDatabaseError(error: unknown): unknown {
  if (!(error instanceof InvalidInput)) return error;
  const message = error.field === '' ? error.message : error.message.slice(error.field.length + 2);
  return new InvalidInput(error.field === '' || error.field === 'input' ? 'database' : `database.${error.field}`, message, { cause: error });
}

/** database-recovery's check, its fields named under `database.`. */
function checkDatabase(policy: Policy, raw: Record<string, unknown>) {
  if (raw['dryRun'] !== undefined) throw new InvalidInput('database.dryRun', 'application-recovery restores for real: for a dry run start database-recovery on its own');
  try {
    return checkInput(policy, raw);
  } catch (error) {
    throw asDatabaseError(error);
  }
}

export interface CheckedApplicationInput {
  readonly input: z.output<typeof applicationInput>;
  /** The database part checked by database-recovery's rules; null without one. */
  readonly database: ReturnType<typeof checkInput> | null;
}

/** The operator's input, checked field by field by its own rules and the database part by database-recovery's. */
export function checkApplicationInput(policy: Policy, rawInput: unknown): CheckedApplicationInput {
  const input = parseInput(applicationInput, rawInput ?? {});
  const application = policy.recovery?.application;
  if (application === undefined) throw new InvalidInput('recovery.application', 'the policy has no recovery.application section: nothing says how to roll the application back');
  return { input, database: input.database === undefined ? null : checkDatabase(policy, input.database) };
}

export function planApplicationRecovery(policy: Policy, checked: CheckedApplicationInput, runId: string, execution: string, now: number): ApplicationPlan {
  const { input, database } = checked;
  const recovery = policy.recovery;
  const application = recovery?.application;
  if (recovery === undefined || application === undefined) throw new InvalidInput('recovery.application', 'the policy has no recovery.application section: nothing says how to roll the application back');
  const { lambda, ssmDocument, assumeRole } = application.rollback;
  const hook: ApplicationPlan['hook'] =
    lambda !== undefined ? { kind: 'lambda', target: lambda } : { kind: 'ssmDocument', target: ssmDocument ?? '', ...(assumeRole === undefined ? {} : { assumeRole }) };
  const version = input.version ?? null;
  const maintenance = recovery.maintenanceMode;
  const restore = database?.input;
  const summary: Record<string, string> = {
    maintenanceMode:
      maintenance === undefined
        ? 'none in the policy (recovery.maintenanceMode): the application keeps serving during the rollback'
        : `on first (${maintenance.parameter} = ${maintenance.on}), off again only once the application is healthy`,
    rollback: `${hook.kind === 'lambda' ? `Lambda ${hook.target}` : `SSM Automation ${hook.target}${hook.assumeRole === undefined ? '' : ` as ${hook.assumeRole}`}`} ${version === null ? '(its own choice of version)' : `to version ${version}`}`,
    database:
      restore === undefined
        ? 'not restored'
        : `${restore.resource}: database-recovery ${restore.mode}${restore.time === undefined ? '' : ` to ${formatIsoInZone(restore.time, policy.timezone)}`}${restore.snapshot === undefined ? '' : ` from ${restore.snapshot}`}${restore.tables === undefined ? '' : ` (tables ${restore.tables.join(', ')})`}, started nested as ${databaseExecutionName(runId)}${restore.mode === 'full' ? ' (it asks its own approval before switching the endpoint)' : ''}`,
    healthCheck: `${application.healthUrls.join(', ')} must answer 2xx (each within ${Math.round(application.healthTimeout / 1000)} s)`,
    objective: `RTO ${minutes(policy.objectives.application.rto)} (objectives.application.rto), measured from this run's start to maintenance mode off`,
  };
  return {
    runId,
    execution,
    startedAt: now,
    hook,
    version,
    database: input.database === undefined ? null : input.database,
    databaseExecution: database === null ? null : databaseExecutionName(runId),
    healthUrls: application.healthUrls,
    summary,
  };
}
