// The one restore-test definition (restore-test.asl.json) and the two state machines made from it:
// `restore-test` restores a snapshot, `pitr-test` restores the replicated automated backups to a point
// in time. They differ only in the kind the Start state records, and both are bounded by the policy:
// the wait for the restored instance retries long enough for the longest `restoreTest.timeout` (the
// status step itself fails with RestoreTimedOut once a run's own timeout has passed); teardown waits for
// an instance still busy (TeardownNotReady) as long again; and the execution's timeout covers both with
// room for validation, record and notify. Read at packaging time and by the local runs (tests, drill);
// never bundled into a Lambda.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '../../shared/policy/schema.js';
import type { AslDefinition } from '../asl.js';

export type RestoreTestKind = 'snapshot' | 'pitr';

/** The state machines made from the definition, by the name operators see, and the kind each runs. */
export const RESTORE_TEST_MACHINES = { 'restore-test': 'snapshot', 'pitr-test': 'pitr' } as const satisfies Record<string, RestoreTestKind>;
export type RestoreTestMachine = keyof typeof RESTORE_TEST_MACHINES;

export const DEFINITION_FILE = join(import.meta.dirname, 'restore-test.asl.json');

/** How often the state machine asks whether the restored instance is available. */
export const POLL_INTERVAL_SECONDS = 60;
/** How often teardown tries again while the instance cannot be deleted yet. */
export const TEARDOWN_INTERVAL_SECONDS = 60;
/** Besides the two waits: validation (its Lambda's timeout, 15 min), teardown's own calls, record, notify, with margin. */
const AFTER_WAIT_SECONDS = 2 * 3600;
const WAIT_STATE = 'Wait for instance';
const NOT_READY = 'RestoreNotReady';
const TEARDOWN_STATE = 'Teardown';
const TEARDOWN_NOT_READY = 'TeardownNotReady';

const COMMENTS: Record<RestoreTestKind, string> = {
  snapshot:
    'Restore test: restore a snapshot into a temporary instance, prove the data, measure RTO/RPO against the policy, always delete the instance, alert on failure. ' +
    'Input: {"resource": "app-db", "snapshot": "latest" | "<id>" | "random-within-30d", "region": "primary" | "secondary"}.',
  pitr:
    'PITR test: restore the replicated automated backups in the secondary region to a point in time (default now - 15 min) into a temporary instance, prove the data and the cross-region RPO, ' +
    'always delete the instance, alert on failure. Input: {"resource": "app-db", "restoreTo": "<ISO time>"}.',
};

/** The longest time any restore-tested database of the policy may wait for its restored instance (ms). */
export function longestRestoreWait(policy: Policy): number {
  const timeouts = policy.resources.databases.flatMap((db) => (db.restoreTest === undefined ? [] : [db.restoreTest.timeout]));
  return timeouts.length === 0 ? 3 * 3_600_000 : Math.max(...timeouts);
}

/** The definition as written in the file (Lambda references as `Fn::GetAtt`). */
export function readDefinition(): AslDefinition {
  return JSON.parse(readFileSync(DEFINITION_FILE, 'utf8')) as AslDefinition;
}

/**
 * The definition of one kind of test, bounded by the policy's restore timeouts. Lambda references stay
 * `{"Fn::GetAtt": ["restoreTestPlan", "Arn"]}`: packaging points them at the region's functions, the
 * local runner at the handlers.
 */
export function restoreTestDefinition(kind: RestoreTestKind, policy: Policy): AslDefinition {
  const definition = readDefinition();
  const start = definition.States[definition.StartAt];
  if (start?.Type !== 'Pass' || start.Parameters?.kind === undefined) throw new Error(`${DEFINITION_FILE}: the Start state must be a Pass state that sets "kind"`);
  start.Parameters.kind = kind;
  definition.Comment = COMMENTS[kind];

  const waitSeconds = Math.ceil(longestRestoreWait(policy) / 1000);
  const notReady = definition.States[WAIT_STATE]?.Retry?.find((retry) => retry.ErrorEquals.includes(NOT_READY));
  if (notReady === undefined) throw new Error(`${DEFINITION_FILE}: "${WAIT_STATE}" must retry ${NOT_READY}`);
  notReady.IntervalSeconds = POLL_INTERVAL_SECONDS;
  notReady.BackoffRate = 1;
  // A few polls beyond the longest timeout: the status step's RestoreTimedOut ends the wait, not the retry budget.
  notReady.MaxAttempts = Math.ceil(waitSeconds / POLL_INTERVAL_SECONDS) + 5;

  // An instance still creating when the wait gave up may need as long again before RDS lets it go; past
  // that, teardown fails, and Record and Notify say the instance may still exist.
  const teardownNotReady = definition.States[TEARDOWN_STATE]?.Retry?.find((retry) => retry.ErrorEquals.includes(TEARDOWN_NOT_READY));
  if (teardownNotReady === undefined) throw new Error(`${DEFINITION_FILE}: "${TEARDOWN_STATE}" must retry ${TEARDOWN_NOT_READY}`);
  teardownNotReady.IntervalSeconds = TEARDOWN_INTERVAL_SECONDS;
  teardownNotReady.BackoffRate = 1;
  teardownNotReady.MaxAttempts = Math.ceil(waitSeconds / TEARDOWN_INTERVAL_SECONDS);

  definition.TimeoutSeconds = waitSeconds + teardownNotReady.MaxAttempts * TEARDOWN_INTERVAL_SECONDS + AFTER_WAIT_SECONDS;
  return definition;
}
