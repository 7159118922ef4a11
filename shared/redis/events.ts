// The events the Redis pipeline's scheduled functions receive, as schemas: parsed at the edge by the
// handler wrapper (a malformed event fails with InvalidInput naming the field, nothing sent).

import * as z from 'zod/mini';
import { InvalidInput } from '../errors.js';
import type { CacheResource, Policy } from '../policy/schema.js';
import { isoInstant, nonEmptyString, optionalEvent, strictInput } from '../runtime/input.js';

/**
 * take-cache-snapshot: EventBridge Scheduler's input, or a manual run. `scheduledTime` is
 * <aws.scheduler.scheduled-time> (absent on a manual run: now, to the minute); `resources` limits the
 * run to those caches of the policy (absent: every one).
 */
export const scheduledCacheRunEvent = optionalEvent(
  strictInput({
    scheduledTime: z.optional(isoInstant),
    resources: z.optional(z.array(nonEmptyString, { error: 'must be a list of resource names' })),
  }),
);
export type ScheduledCacheRunEvent = z.output<typeof scheduledCacheRunEvent>;

/** The caches of the run, by name from the policy: an unknown name is an error naming the field, with no side effect. */
export function resolveCacheRun(event: ScheduledCacheRunEvent, policy: Policy, now: number): { scheduledAt: number; caches: readonly CacheResource[] } {
  const scheduledAt = event.scheduledTime ?? Math.floor(now / 60_000) * 60_000;
  let caches = policy.resources.caches;
  if (event.resources !== undefined) {
    const wanted = event.resources;
    const unknown = wanted.filter((name) => !caches.some((c) => c.name === name));
    if (unknown.length > 0) throw new InvalidInput('resources', `no cache named ${unknown.map((u) => `"${u}"`).join(', ')} in the policy`);
    caches = caches.filter((c) => wanted.includes(c.name));
  }
  return { scheduledAt, caches };
}

/** verify-cache-exports: a schedule with no input, or a manual run. */
export { scheduleEvent } from '../runtime/input.js';
