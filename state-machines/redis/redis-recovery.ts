// The redis-recovery definition (redis-recovery.asl.json), bounded by the policy: the wait for the new
// group retries as long as the longest cache recovery wait — a cache's restoreTest.timeout or its RTO,
// whichever is longer (shared/policy/resources.ts cacheRecoveryWait; the status step itself ends a run's
// wait with CacheRestoreTimedOut at the plan's waitUntil), teardown waits for a busy group as long again,
// the approval request times out after recovery.approvalTimeout (a timeout is a rejection), and the
// execution's timeout covers them all with room for validation, the switch and the report. Read at
// packaging time and by the local runs (tests, drill); never bundled into a Lambda.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '../../shared/policy/schema.js';
import type { AslDefinition } from '../asl.js';
import { cacheRecoveryWait } from '../../shared/policy/resources.js';
import { CACHE_POLL_INTERVAL_SECONDS } from './restore-test.js';

export const REDIS_RECOVERY_DEFINITION_FILE = join(import.meta.dirname, 'redis-recovery.asl.json');

const WAIT_STATE = 'Wait for group';
const APPROVAL_STATE = 'Request approval';
const TEARDOWN_STATES = ['Teardown after failure', 'Teardown after rejection'];
/** recovery.approvalTimeout's default (shared/policy/recovery.ts). */
const DEFAULT_APPROVAL_MS = 3_600_000;
/** Validation (15 min at most), the switch and its Route 53 wait, retiring, the report — with margin. */
const OTHER_STEPS_SECONDS = 2 * 3600;

export function readRedisRecoveryDefinition(): AslDefinition {
  return JSON.parse(readFileSync(REDIS_RECOVERY_DEFINITION_FILE, 'utf8')) as AslDefinition;
}

function retrier(definition: AslDefinition, state: string, error: string) {
  const found = definition.States[state]?.Retry?.find((r) => r.ErrorEquals.includes(error));
  if (found === undefined) throw new Error(`${REDIS_RECOVERY_DEFINITION_FILE}: "${state}" must retry ${error}`);
  return found;
}

/** The longest any recoverable cache (one with restoreTest settings) of the policy waits for its new group (ms); 1 h with none. */
export function longestCacheRecoveryWait(policy: Policy): number {
  const waits = policy.resources.caches.flatMap((cache) => (cache.restoreTest === undefined ? [] : [cacheRecoveryWait(policy, cache)]));
  return waits.length === 0 ? 3_600_000 : Math.max(...waits);
}

export function redisRecoveryDefinition(policy: Policy): AslDefinition {
  const definition = readRedisRecoveryDefinition();
  const waitSeconds = Math.ceil(longestCacheRecoveryWait(policy) / 1000);
  Object.assign(retrier(definition, WAIT_STATE, 'CacheRestoreNotReady'), { IntervalSeconds: CACHE_POLL_INTERVAL_SECONDS, BackoffRate: 1, MaxAttempts: Math.ceil(waitSeconds / CACHE_POLL_INTERVAL_SECONDS) + 5 });
  const teardownAttempts = Math.ceil(waitSeconds / CACHE_POLL_INTERVAL_SECONDS);
  for (const state of TEARDOWN_STATES) Object.assign(retrier(definition, state, 'CacheTeardownNotReady'), { IntervalSeconds: CACHE_POLL_INTERVAL_SECONDS, BackoffRate: 1, MaxAttempts: teardownAttempts });
  const approval = definition.States[APPROVAL_STATE];
  if (approval === undefined) throw new Error(`${REDIS_RECOVERY_DEFINITION_FILE}: no "${APPROVAL_STATE}" state`);
  // The contract's ${ApprovalTimeoutSeconds}: the policy's recovery.approvalTimeout.
  const approvalSeconds = Math.ceil((policy.recovery?.approvalTimeout ?? DEFAULT_APPROVAL_MS) / 1000);
  approval.TimeoutSeconds = approvalSeconds;
  definition.TimeoutSeconds = waitSeconds + teardownAttempts * CACHE_POLL_INTERVAL_SECONDS + approvalSeconds + OTHER_STEPS_SECONDS;
  return definition;
}
