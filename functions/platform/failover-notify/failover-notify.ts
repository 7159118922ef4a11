// The stop path of region-failover: reads which steps the run record holds and publishes the alert
// plan.ts words. The alert goes out even when the record cannot be read (it then says so).

import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { errorName } from '../../../shared/errors.js';
import { failoverMode, runRecordPrefix } from '../../../shared/platform/failover-run.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { stoppedAlert } from './plan.js';

export const notifyEvent = z.object({
  outcome: z.enum(['not-approved', 'failed']),
  execution: nonEmptyString,
  /** Absent when assess itself failed: the run is then this execution, in the mode its input asked. */
  plan: z.optional(z.object({ runId: nonEmptyString, mode: failoverMode })),
  input: z.optional(z.unknown()),
  error: z.object({ Error: z.string(), Cause: z.optional(z.string()) }),
});
export type NotifyEvent = z.output<typeof notifyEvent>;

export interface NotifyDeps {
  readonly reports: S3Client;
  readonly bucket: string;
  readonly alerts: AlertSink;
  readonly region: string;
  readonly now: () => number;
}

async function doneSteps(deps: NotifyDeps, runId: string): Promise<string[]> {
  const prefix = runRecordPrefix(runId);
  const page = await deps.reports.send(new ListObjectsV2Command({ Bucket: deps.bucket, Prefix: prefix }));
  return (page.Contents ?? [])
    .filter((o) => o.Key !== undefined)
    .sort((a, b) => (a.LastModified?.getTime() ?? 0) - (b.LastModified?.getTime() ?? 0))
    .map((o) => (o.Key ?? '').slice(prefix.length).replace(/\.json$/, ''));
}

export async function notifyStopped(deps: NotifyDeps, event: NotifyEvent): Promise<{ notified: true; done: string[] }> {
  const input = (event.input ?? {}) as { mode?: unknown; resume?: unknown };
  const runId = event.plan?.runId ?? (typeof input.resume === 'string' ? input.resume : event.execution);
  const mode = event.plan?.mode ?? (input.mode === 'rehearsal' ? 'rehearsal' : 'failover');
  const done = await doneSteps(deps, runId).catch((error: unknown) => [`(run record unreadable: ${errorName(error)})`]);
  await deps.alerts.publish(stoppedAlert({ outcome: event.outcome, runId, mode, execution: event.execution, error: event.error, done }, deps.region, deps.now()));
  return { notified: true, done };
}
