// The region-failover state machine (region-failover.asl.json), in the secondary region only: assess →
// approval → maintenance mode on → the components (databases, caches, configurations) recovered in parallel and validated → endpoints
// switched → maintenance mode off → report; {"mode": "rehearsal"} stops after validation and tears down.
// Bounded by the policy: the approval waits recovery.approvalTimeout; each wait for a recovered resource
// retries for objectives.regionFailover.rto (the status step itself fails past it); the configuration
// branch is left out when the policy has no configuration; the execution's
// timeout covers the approval, the recovery twice over (a teardown waiting for a busy instance) and 2 h
// for validation, endpoints and report. Read at packaging time and by the local runs; never bundled.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '../../shared/policy/schema.js';
import type { AslDefinition, AslState } from '../asl.js';

export const REGION_FAILOVER_DEFINITION_FILE = join(import.meta.dirname, 'region-failover.asl.json');

/** How often the state machine asks whether a recovered resource is up, and teardown tries again. */
export const POLL_INTERVAL_SECONDS = 60;
const AFTER_WAIT_SECONDS = 2 * 3600;
export const APPROVAL_STATE = 'Request approval';
const RECOVER_STATE = 'Recover';
const CONFIGURATIONS_BRANCH = 'Configurations';

const COMMENT =
  'Region failover (secondary region): assess what the secondary holds and the data loss it implies, ask approval (recovery.approvers), maintenance mode on, ' +
  'bring the databases up (promote the replica, else the replicated automated backups at their latest restorable time, else the newest verified copy) and seed the caches from their newest verified export, validate them, ' +
  'switch the endpoints, maintenance mode off, report RTO/RPO. Every step notifies the alerts topic and is recorded; a failure alerts with what was done. ' +
  'Input: {} (failover), {"mode": "rehearsal"} (the monthly rehearsal: no approval, no endpoint, no maintenance mode; torn down), {"resume": "<execution name>"} (skips the steps that run recorded).';

/** Every state of the definition, the ones inside Parallel branches and Map iterators included. */
export function allStates(definition: Pick<AslDefinition, 'States'>): [string, AslState][] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const nested = [...((state.Branches as AslDefinition[] | undefined) ?? []), ...(state.Iterator === undefined ? [] : [state.Iterator as AslDefinition])];
    return [[name, state] as [string, AslState], ...nested.flatMap((inner) => allStates(inner))];
  });
}

function stateOf(definition: AslDefinition, name: string): AslState {
  const found = allStates(definition).find(([n]) => n === name)?.[1];
  if (found === undefined) throw new Error(`${REGION_FAILOVER_DEFINITION_FILE}: no state "${name}"`);
  return found;
}

function setRetry(definition: AslDefinition, state: string, error: string, maxAttempts: number): void {
  const retry = stateOf(definition, state).Retry?.find((r) => r.ErrorEquals.includes(error));
  if (retry === undefined) throw new Error(`${REGION_FAILOVER_DEFINITION_FILE}: "${state}" must retry ${error}`);
  Object.assign(retry, { IntervalSeconds: POLL_INTERVAL_SECONDS, BackoffRate: 1, MaxAttempts: maxAttempts });
}

export function regionFailoverDefinition(policy: Policy): AslDefinition {
  const definition = JSON.parse(readFileSync(REGION_FAILOVER_DEFINITION_FILE, 'utf8')) as AslDefinition;
  definition.Comment = COMMENT;
  const recovery = policy.recovery;
  if (recovery === undefined) throw new Error('region-failover needs the policy\'s recovery section');
  const approvalSeconds = Math.ceil(recovery.approvalTimeout / 1000);
  stateOf(definition, APPROVAL_STATE).TimeoutSeconds = approvalSeconds;
  const waitSeconds = Math.ceil(policy.objectives.regionFailover.rto / 1000);
  // A few polls beyond the objective: the status step's RestoreTimedOut ends the wait, not the retry budget.
  setRetry(definition, 'Wait for database', 'RestoreNotReady', Math.ceil(waitSeconds / POLL_INTERVAL_SECONDS) + 5);
  setRetry(definition, 'Wait for cache', 'CacheRestoreNotReady', Math.ceil(waitSeconds / POLL_INTERVAL_SECONDS) + 5);
  for (const teardown of ['Tear down database', 'Tear down database after failure']) setRetry(definition, teardown, 'TeardownNotReady', Math.ceil(waitSeconds / POLL_INTERVAL_SECONDS));
  for (const teardown of ['Tear down cache', 'Tear down cache after failure']) setRetry(definition, teardown, 'CacheTeardownNotReady', Math.ceil(waitSeconds / POLL_INTERVAL_SECONDS));
  // Without a configuration there is no restore-configuration (nor its step) to run: the branch goes.
  if (policy.resources.configuration.length === 0) {
    const recover = stateOf(definition, RECOVER_STATE);
    recover.Branches = (recover.Branches as AslDefinition[]).filter((branch) => branch.StartAt !== CONFIGURATIONS_BRANCH);
  }
  definition.TimeoutSeconds = approvalSeconds + 2 * waitSeconds + AFTER_WAIT_SECONDS;
  return definition;
}
