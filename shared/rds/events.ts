// The events the RDS pipeline's scheduled functions receive, as schemas: parsed at the edge by the
// handler wrapper (a malformed event fails with InvalidInput naming the field, nothing sent).

import * as z from 'zod/mini';
import { InvalidInput } from '../errors.js';
import type { DatabaseResource, Policy } from '../policy/schema.js';
import { isoInstant, nonEmptyString, optionalEvent, strictInput } from '../runtime/input.js';

/**
 * take-db-snapshot and capture-db-manifest: EventBridge Scheduler's input, or a manual run.
 * `scheduledTime` is <aws.scheduler.scheduled-time> (absent on a manual run: now); `resources` limits
 * the run to those databases of the policy (absent: every one).
 */
export const scheduledRunEvent = optionalEvent(
  strictInput({
    scheduledTime: z.optional(isoInstant),
    resources: z.optional(z.array(nonEmptyString, { error: 'must be a list of resource names' })),
  }),
);
export type ScheduledRunEvent = z.output<typeof scheduledRunEvent>;

export interface ScheduledRun {
  /** The scheduled time (epoch ms): the event's, or now to the minute on a manual run. */
  readonly scheduledAt: number;
  readonly databases: readonly DatabaseResource[];
}

/** The databases of the run, by name from the policy: an unknown name is an error naming the field, with no side effect. */
export function resolveScheduledRun(event: ScheduledRunEvent, policy: Policy, now: number): ScheduledRun {
  const scheduledAt = event.scheduledTime ?? Math.floor(now / 60_000) * 60_000;
  let databases = policy.resources.databases;
  if (event.resources !== undefined) {
    const wanted = event.resources;
    const unknown = wanted.filter((name) => !databases.some((d) => d.name === name));
    if (unknown.length > 0) throw new InvalidInput('resources', `no database named ${unknown.map((u) => `"${u}"`).join(', ')} in the policy`);
    databases = databases.filter((d) => wanted.includes(d.name));
  }
  return { scheduledAt, databases };
}

/**
 * copy-db-snapshots and verify-db-snapshots: an "RDS DB Snapshot Event" from EventBridge, or the
 * fallback schedule's (empty) input. The reconcilers look at what exists, so only the shape is checked.
 */
export const snapshotEventOrSchedule = optionalEvent(
  z.looseObject({
    source: z.optional(z.literal('aws.rds', { error: 'must be "aws.rds" (an RDS event) or absent (a scheduled run)' })),
    'detail-type': z.optional(z.string()),
    detail: z.optional(z.looseObject({ SourceIdentifier: z.optional(z.string()), EventID: z.optional(z.string()) })),
  }),
);

/** prune-db-snapshots, check-db-posture, replicate-db-backups: a schedule with no input, or a manual run. */
export const scheduleEvent = optionalEvent(z.looseObject({}));
