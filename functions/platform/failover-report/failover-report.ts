// The Report step of region-failover: plan.ts measures, the evidence goes to the secondary's reports
// bucket (evidence/region-failover/<year>/<month>/<run>.json), and the alerts topic hears the result.

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { evidenceKey } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { failoverCache, failoverDatabase, failoverPlan, RUNBOOK } from '../../../shared/platform/failover-run.js';
import { wallTime } from '../../../shared/time/zone.js';
import { failoverReport, reportAlert, type FailoverReport } from './plan.js';

const recoveredDatabase = z.object({
  database: failoverDatabase,
  validation: z.optional(z.object({ outcome: z.string(), finishedAt: z.number(), reportKey: z.string() })),
});

const recoveredCache = z.object({
  cache: failoverCache,
  validation: z.optional(z.object({ outcome: z.string(), finishedAt: z.number(), reportKey: z.string() })),
});
const stepError = z.object({ Error: z.string(), Cause: z.optional(z.string()) });

export const reportEvent = z.object({
  plan: failoverPlan,
  /** The Parallel state's output: one array per branch, databases first, caches second (the configurations are read from the plan). */
  recovered: z.optional(z.tuple([z.array(recoveredDatabase), z.array(recoveredCache)], z.unknown())),
  teardownError: z.optional(stepError),
  cacheTeardownError: z.optional(stepError),
});
export type ReportEvent = z.output<typeof reportEvent>;

export interface ReportDeps {
  readonly policy: Policy;
  readonly reports: S3Client;
  readonly bucket: string;
  readonly alerts: AlertSink;
  readonly region: string;
  readonly now: () => number;
}

export async function reportFailover(deps: ReportDeps, event: ReportEvent): Promise<{ outcome: FailoverReport['outcome']; evidenceKey: string; rtoMs: number; rpoMs: number | null }> {
  const now = deps.now();
  const failed = [event.teardownError, event.cacheTeardownError].flatMap((e) => (e === undefined ? [] : [`${e.Error}: ${e.Cause ?? ''}`]));
  const teardownError = failed.length === 0 ? null : `teardown failed: ${failed.join('; ')}`.slice(0, 500);
  const report = failoverReport(deps.policy, event.plan, event.recovered?.[0] ?? [], teardownError, now, event.recovered?.[1] ?? []);
  const month = wallTime(event.plan.startedAt, deps.policy.timezone);
  const key = evidenceKey(RUNBOOK, month.year, month.month, event.plan.runId);
  await deps.reports.send(new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: JSON.stringify({ kind: RUNBOOK, ...report, caches: event.plan.caches.map((c) => c.resource), configurations: event.plan.configurations.map((c) => c.resource), primary: event.plan.primary, plan: event.plan.summary }, null, 2), ContentType: 'application/json' }));
  await deps.alerts.publish(reportAlert(report, deps.region, `s3://${deps.bucket}/${key}`, teardownError !== null, now));
  return { outcome: report.outcome, evidenceKey: key, rtoMs: report.rtoMs, rpoMs: report.rpoMs };
}
