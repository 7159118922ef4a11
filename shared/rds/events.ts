// The events the RDS pipeline's scheduled functions receive, as schemas: parsed at the edge by the
// handler wrapper (a malformed event fails with InvalidInput naming the field, nothing sent).

import * as z from 'zod/mini';
import { RDS_EVENT } from '../contracts.js';
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
    /** EventBridge's timestamp of the event, set by RDS. */
    time: z.optional(z.string()),
    /** `Date`: when the RDS event happened (RDS's Event.Date), e.g. when the snapshot finished. */
    detail: z.optional(z.looseObject({ SourceIdentifier: z.optional(z.string()), EventID: z.optional(z.string()), Date: z.optional(z.string()) })),
  }),
);
export type SnapshotEventOrSchedule = z.output<typeof snapshotEventOrSchedule>;

/**
 * The snapshot a "manual snapshot created" event (RDS-EVENT-0042) names, and when it was created — the
 * detail's Date, else the event's time; null for a schedule, another event or a time that does not parse
 * (a measurement is left out rather than the run failing).
 */
export function snapshotCreatedBy(event: SnapshotEventOrSchedule): { snapshotId: string; at: number } | null {
  if (event.source !== 'aws.rds' || event.detail?.EventID !== RDS_EVENT.manualSnapshotCreated || event.detail.SourceIdentifier === undefined) return null;
  const at = Date.parse(event.detail.Date ?? event.time ?? '');
  return Number.isNaN(at) ? null : { snapshotId: event.detail.SourceIdentifier, at };
}

/** prune-db-snapshots, check-db-posture, replicate-db-backups: a schedule with no input, or a manual run. */
export const scheduleEvent = optionalEvent(z.looseObject({}));

/** An "RDS DB Snapshot Event" from EventBridge about one snapshot (its id is `detail.SourceIdentifier`). */
const rdsSnapshotEvent = z.looseObject({
  source: z.literal('aws.rds', { error: 'must be "aws.rds"' }),
  'detail-type': z.optional(z.string()),
  detail: z.looseObject({ SourceIdentifier: nonEmptyString, EventID: z.optional(z.string()) }, { error: 'must be the event detail with SourceIdentifier' }),
});

const captureRunFields = {
  /** Never given by hand: it tells an RDS event (which has `source`) from the other inputs. */
  source: z.optional(z.undefined()),
  scheduledTime: z.optional(isoInstant),
  resources: z.optional(z.array(nonEmptyString, { error: 'must be a list of resource names' })),
  /** Capture the manifest after this snapshot (by hand, e.g. when its RDS event was lost). */
  after: z.optional(nonEmptyString),
  /** The fallback schedule: capture the missing "after" manifests of recent snapshots. */
  reconcile: z.optional(z.literal(true, { error: 'must be true' })),
};

const captureRun = z
  .strictObject(captureRunFields, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? 'unknown input field (allowed: scheduledTime, resources, after, reconcile)' : issue.code === 'invalid_type' ? 'must be a JSON object' : undefined),
  })
  .check(
    z.superRefine((input, ctx) => {
      const modes = [input.scheduledTime !== undefined || input.resources !== undefined, input.after !== undefined, input.reconcile === true].filter(Boolean);
      if (modes.length > 1) ctx.addIssue({ code: 'custom', path: [input.after !== undefined ? 'after' : 'reconcile'], message: 'give either scheduledTime/resources (before a snapshot), after (a snapshot id) or reconcile, not several', input });
    }),
  );

/**
 * capture-db-manifest: Scheduler's input or a manual run (`{scheduledTime?, resources?}`: capture before,
 * then request the snapshot), the RDS "manual snapshot created" event (capture after it), `{after: id}`
 * by hand, or the fallback schedule's `{reconcile: true}` (the after captures whose event never came).
 */
export const manifestCaptureEvent = optionalEvent(z.discriminatedUnion('source', [rdsSnapshotEvent, captureRun]));
export type ManifestCaptureEvent = z.output<typeof manifestCaptureEvent>;
