// The database-recovery definition (database-recovery.asl.json), bounded by the policy: the wait for the
// restored instance retries as long as the longest restoreTest.timeout (the status step itself ends a
// run's wait with RestoreTimedOut), teardown waits for a busy instance as long again, the approval
// request times out after recovery.approvalTimeout (a timeout is a rejection), and the execution's
// timeout covers them all with room for validation, the copy and the report. Read at packaging time and
// by the local runs (tests, drill); never bundled into a Lambda.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '../../shared/policy/schema.js';
import type { AslDefinition } from '../asl.js';
import { longestRestoreWait, POLL_INTERVAL_SECONDS, TEARDOWN_INTERVAL_SECONDS } from './restore-test.js';

export const DATABASE_RECOVERY_DEFINITION_FILE = join(import.meta.dirname, 'database-recovery.asl.json');

const WAIT_STATE = 'Wait for instance';
const APPROVAL_STATE = 'Request approval';
const TEARDOWN_STATES = ['Tear down', 'Teardown after failure'];
/** recovery.approvalTimeout's default (shared/policy/recovery.ts). */
const DEFAULT_APPROVAL_MS = 3_600_000;
/** Validation and the copy (15 min each at most), the switch, retiring, the report — with margin. */
const OTHER_STEPS_SECONDS = 2 * 3600;

export function readDatabaseRecoveryDefinition(): AslDefinition {
  return JSON.parse(readFileSync(DATABASE_RECOVERY_DEFINITION_FILE, 'utf8')) as AslDefinition;
}

function retrier(definition: AslDefinition, state: string, error: string) {
  const found = definition.States[state]?.Retry?.find((r) => r.ErrorEquals.includes(error));
  if (found === undefined) throw new Error(`${DATABASE_RECOVERY_DEFINITION_FILE}: "${state}" must retry ${error}`);
  return found;
}

export function databaseRecoveryDefinition(policy: Policy): AslDefinition {
  const definition = readDatabaseRecoveryDefinition();
  const waitSeconds = Math.ceil(longestRestoreWait(policy) / 1000);
  const notReady = retrier(definition, WAIT_STATE, 'RestoreNotReady');
  Object.assign(notReady, { IntervalSeconds: POLL_INTERVAL_SECONDS, BackoffRate: 1, MaxAttempts: Math.ceil(waitSeconds / POLL_INTERVAL_SECONDS) + 5 });
  const teardownAttempts = Math.ceil(waitSeconds / TEARDOWN_INTERVAL_SECONDS);
  for (const state of TEARDOWN_STATES) Object.assign(retrier(definition, state, 'TeardownNotReady'), { IntervalSeconds: TEARDOWN_INTERVAL_SECONDS, BackoffRate: 1, MaxAttempts: teardownAttempts });
  const approval = definition.States[APPROVAL_STATE];
  if (approval === undefined) throw new Error(`${DATABASE_RECOVERY_DEFINITION_FILE}: no "${APPROVAL_STATE}" state`);
  // The contract's ${ApprovalTimeoutSeconds}: the policy's recovery.approvalTimeout.
  const approvalSeconds = Math.ceil((policy.recovery?.approvalTimeout ?? DEFAULT_APPROVAL_MS) / 1000);
  approval.TimeoutSeconds = approvalSeconds;
  definition.TimeoutSeconds = waitSeconds + teardownAttempts * TEARDOWN_INTERVAL_SECONDS + approvalSeconds + OTHER_STEPS_SECONDS;
  return definition;
}
