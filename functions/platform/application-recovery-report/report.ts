// The report of every application-recovery run (recovered, failed, not approved, unhealthy): the evidence
// record in the reports bucket — evidence/application-recovery/<year>/<month>/<run>.json, once the run
// got past its plan — and the alert (info when recovered, warning when not approved or the RTO was
// missed, critical otherwise, saying what was done and what to do). Returned as the execution's output.

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { evidenceKey } from '../../../shared/contracts.js';
import { RUNBOOK } from '../../../shared/platform/application-run.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { wallTime } from '../../../shared/time/zone.js';
import { applicationReport, reportAlert, type ApplicationReport, type ApplicationRun, type Outcome } from './plan.js';

export interface ReportDeps {
  readonly policy: Policy;
  readonly reports: S3Client;
  readonly bucket: string;
  readonly alerts: AlertSink;
  readonly region: string;
  readonly now: () => number;
}

export async function reportApplicationRecovery(deps: ReportDeps, outcome: Outcome, runId: string, run: ApplicationRun): Promise<ApplicationReport & { evidenceKey: string | null }> {
  const now = deps.now();
  const report = applicationReport(deps.policy, run, outcome, runId, deps.region, now);
  let key: string | null = null;
  if (run.plan !== undefined) {
    const month = wallTime(run.plan.startedAt, deps.policy.timezone);
    key = evidenceKey(RUNBOOK, month.year, month.month, runId);
    await deps.reports.send(new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: JSON.stringify({ kind: RUNBOOK, ...report, plan: run.plan.summary }, null, 2), ContentType: 'application/json' }));
  }
  await deps.alerts.publish(reportAlert(report, deps.region, key === null ? null : `s3://${deps.bucket}/${key}`, now));
  return { ...report, evidenceKey: key };
}
