// The record of one region-failover step done: written to the run record (one object per step, so the
// parallel branches never write the same object) before the alerts topic hears of it — a resumed run
// skips exactly what is recorded, and a step is recorded only once it is done.

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { failoverMode, RUNBOOK, stepRecordKey, type StepRecord } from '../../../shared/platform/failover-run.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';

export const progressEvent = z.object({
  runId: nonEmptyString,
  mode: failoverMode,
  execution: nonEmptyString,
  step: nonEmptyString,
  /** What the step did, as a resumed run needs it (the recovered endpoint, the restore point). */
  result: z.optional(z.unknown()),
  /** One line for the alert. */
  summary: nonEmptyString,
});
export type ProgressEvent = z.output<typeof progressEvent>;

export interface ProgressDeps {
  readonly reports: S3Client;
  readonly bucket: string;
  readonly alerts: AlertSink;
  readonly region: string;
  readonly now: () => number;
}

export async function recordProgress(deps: ProgressDeps, event: ProgressEvent): Promise<{ step: string; doneAt: number }> {
  const doneAt = deps.now();
  const record: StepRecord = { step: event.step, doneAt, execution: event.execution, ...(event.result === undefined ? {} : { result: event.result }) };
  await deps.reports.send(new PutObjectCommand({ Bucket: deps.bucket, Key: stepRecordKey(event.runId, event.step), Body: JSON.stringify(record), ContentType: 'application/json' }));
  await deps.alerts.publish({
    severity: 'info',
    kind: `${RUNBOOK}-progress`,
    resource: RUNBOOK,
    region: deps.region,
    summary: `${event.mode} ${event.runId}: ${event.step} done: ${event.summary}`,
    action: 'Nothing to do: the runbook goes on by itself.',
    source: RUNBOOK,
    at: doneAt,
    details: { run: event.runId, step: event.step, execution: event.execution },
  });
  return { step: event.step, doneAt };
}
