// The cache restore-test definition (restore-test.asl.json) bounded by the policy: the wait for the
// temporary group retries long enough for the longest caches[].restoreTest.timeout (the status step
// itself fails with CacheRestoreTimedOut once a run's own timeout has passed); teardown waits for a group
// still busy (CacheTeardownNotReady) as long again; the execution's timeout covers both with room for
// validation, record and notify. Read at packaging time and by the local runs (tests, drill); never bundled.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '../../shared/policy/schema.js';
import type { AslDefinition } from '../asl.js';

export const CACHE_DEFINITION_FILE = join(import.meta.dirname, 'restore-test.asl.json');

/** How often the state machine asks whether the temporary group is available, and tries teardown again. */
export const CACHE_POLL_INTERVAL_SECONDS = 60;
const AFTER_WAIT_SECONDS = 2 * 3600;

const COMMENT =
  'Cache restore test: seed a temporary ElastiCache replication group from the newest verified export (or, in the primary, its snapshot), prove the data against the manifest captured with it, ' +
  'measure RTO/RPO against the Redis objectives, always delete the group, alert on failure. Input: {"resource": "app-redis", "backup": "latest" | "<snapshot name>", "region": "primary" | "secondary"}.';

/** The longest time any restore-tested cache of the policy may wait for its group (ms). */
export function longestCacheWait(policy: Policy): number {
  const timeouts = policy.resources.caches.flatMap((cache) => (cache.restoreTest === undefined ? [] : [cache.restoreTest.timeout]));
  return timeouts.length === 0 ? 3_600_000 : Math.max(...timeouts);
}

function retryOf(definition: AslDefinition, state: string, error: string) {
  const retry = definition.States[state]?.Retry?.find((r) => r.ErrorEquals.includes(error));
  if (retry === undefined) throw new Error(`${CACHE_DEFINITION_FILE}: "${state}" must retry ${error}`);
  return retry;
}

/** The definition with its waits bounded by the policy; Lambdas stay `{"Fn::GetAtt": ["cacheRestoreTestPlan", "Arn"]}`. */
export function cacheRestoreTestDefinition(policy: Policy): AslDefinition {
  const definition = JSON.parse(readFileSync(CACHE_DEFINITION_FILE, 'utf8')) as AslDefinition;
  definition.Comment = COMMENT;
  const waitSeconds = Math.ceil(longestCacheWait(policy) / 1000);
  const notReady = retryOf(definition, 'Wait for group', 'CacheRestoreNotReady');
  Object.assign(notReady, { IntervalSeconds: CACHE_POLL_INTERVAL_SECONDS, BackoffRate: 1, MaxAttempts: Math.ceil(waitSeconds / CACHE_POLL_INTERVAL_SECONDS) + 5 });
  const teardownNotReady = retryOf(definition, 'Teardown', 'CacheTeardownNotReady');
  Object.assign(teardownNotReady, { IntervalSeconds: CACHE_POLL_INTERVAL_SECONDS, BackoffRate: 1, MaxAttempts: Math.ceil(waitSeconds / CACHE_POLL_INTERVAL_SECONDS) });
  definition.TimeoutSeconds = waitSeconds + (teardownNotReady.MaxAttempts ?? 0) * CACHE_POLL_INTERVAL_SECONDS + AFTER_WAIT_SECONDS;
  return definition;
}
