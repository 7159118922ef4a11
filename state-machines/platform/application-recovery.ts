// The application-recovery state machine (application-recovery.asl.json), in the primary region, with the
// policy's recovery.application: plan → approval → maintenance mode on → the rollback hook → the database
// restored by a nested database-recovery (when the input asks) → health URLs → maintenance mode off →
// report. Bounded by the policy: only the hook the policy names stays in the definition (a Lambda invoked
// by name, or an SSM Automation started and polled every 30 s for objectives.application.rto); the
// database branch only where database-recovery is deployed (a restore-tested database); the approval waits
// recovery.approvalTimeout; the execution's timeout covers them all. Read at packaging time and by the
// local runs; never bundled.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '../../shared/policy/schema.js';
import type { AslDefinition, AslState } from '../asl.js';
import { databaseRecoveryDefinition } from '../rds/database-recovery.js';

export const APPLICATION_RECOVERY_DEFINITION_FILE = join(import.meta.dirname, 'application-recovery.asl.json');

/** database-recovery's CloudFormation logical id (deploy/components/rds/recovery.ts): its Ref is its ARN. */
export const DATABASE_RECOVERY_MACHINE_ID = 'DatabaseRecoveryStateMachine';
export const AUTOMATION_POLL_SECONDS = 30;
const HEALTH_SECONDS = 15 * 60;
const REPORT_SECONDS = 3600;

const COMMENT =
  'Application recovery (primary region): check the input, ask approval (recovery.approvers), maintenance mode on, roll the application back with the policy\'s hook ' +
  '(recovery.application.rollback), restore the database with a nested database-recovery when the input has a database part, check the health URLs (2xx), maintenance mode off, ' +
  'report the RTO. Every step notifies the alerts topic; a failure alerts critical with what was done (an unhealthy application stays in maintenance mode). ' +
  'Input: {} or {"version": "<handed to the hook>", "database": {<database-recovery input>}}.';

function stateOf(definition: AslDefinition, name: string): AslState {
  const state = definition.States[name];
  if (state === undefined) throw new Error(`${APPLICATION_RECOVERY_DEFINITION_FILE}: no state "${name}"`);
  return state;
}

/** Removes `states` and sends whatever went to `from` to `to` instead. */
function bypass(definition: AslDefinition, from: string, to: string, states: readonly string[]): void {
  for (const state of Object.values(definition.States)) if (state['Next'] === from) state['Next'] = to;
  for (const name of states) delete definition.States[name];
}

/** database-recovery is deployed beside it (deploy/components/rds/recovery.ts): a restore-tested database. */
export const restoresDatabases = (policy: Policy): boolean => policy.recovery !== undefined && policy.resources.databases.some((db) => db.restoreTest !== undefined);

export function applicationRecoveryDefinition(policy: Policy): AslDefinition {
  const definition = JSON.parse(readFileSync(APPLICATION_RECOVERY_DEFINITION_FILE, 'utf8')) as AslDefinition;
  definition.Comment = COMMENT;
  const recovery = policy.recovery;
  const application = recovery?.application;
  if (recovery === undefined || application === undefined) throw new Error('application-recovery needs the policy\'s recovery.application section');
  const approvalSeconds = Math.ceil(recovery.approvalTimeout / 1000);
  stateOf(definition, 'Request approval').TimeoutSeconds = approvalSeconds;
  const rolloutSeconds = Math.ceil(policy.objectives.application.rto / 1000);
  if (application.rollback.lambda !== undefined) {
    (stateOf(definition, 'Invoke rollback Lambda').Parameters as Record<string, unknown>)['FunctionName'] = application.rollback.lambda;
    bypass(definition, 'Rollback hook?', 'Invoke rollback Lambda', ['Rollback hook?', 'Start rollback automation', 'Wait for rollback automation']);
  } else {
    const wait = stateOf(definition, 'Wait for rollback automation').Retry?.find((r) => r.ErrorEquals.includes('RollbackNotReady'));
    if (wait === undefined) throw new Error(`${APPLICATION_RECOVERY_DEFINITION_FILE}: "Wait for rollback automation" must retry RollbackNotReady`);
    Object.assign(wait, { IntervalSeconds: AUTOMATION_POLL_SECONDS, BackoffRate: 1, MaxAttempts: Math.ceil(rolloutSeconds / AUTOMATION_POLL_SECONDS) });
    bypass(definition, 'Rollback hook?', 'Start rollback automation', ['Rollback hook?', 'Invoke rollback Lambda']);
  }
  let databaseSeconds = 0;
  if (restoresDatabases(policy)) {
    (stateOf(definition, 'Restore database').Parameters as Record<string, unknown>)['StateMachineArn'] = { Ref: DATABASE_RECOVERY_MACHINE_ID };
    databaseSeconds = databaseRecoveryDefinition(policy).TimeoutSeconds ?? 0;
  } else {
    // No database-recovery to start: the plan refuses a database part (no restore-tested database).
    bypass(definition, 'Restore database?', 'Check health', ['Restore database?', 'Restore database', 'Record database']);
  }
  definition.TimeoutSeconds = approvalSeconds + rolloutSeconds + databaseSeconds + HEALTH_SECONDS + REPORT_SECONDS;
  return definition;
}
