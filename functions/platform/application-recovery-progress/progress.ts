// A step of application-recovery done: one info alert saying what it did (every step notifies), and, for
// the nested database-recovery, the compact summary the run keeps of it (its full output stays in its own
// execution's history).

import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { RUNBOOK, type ApplicationPlan } from '../../../shared/platform/application-run.js';

export const STEPS = ['plan', 'approval', 'maintenance-on', 'rollback', 'database', 'health'] as const;
export type Step = (typeof STEPS)[number];

export interface DatabaseRunSummary {
  readonly executionArn: string;
  readonly status: string;
  readonly summary: string | null;
  readonly next: string | null;
}

type Result = Record<string, unknown> | null | undefined;
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The nested execution as the .sync:2 integration returns it (DescribeExecution, Output parsed): its report's summary. */
export function databaseRunSummary(result: Result): DatabaseRunSummary {
  const output = (result?.['output'] ?? null) as Record<string, unknown> | null;
  const report = (output?.['report'] ?? null) as Record<string, unknown> | null;
  return { executionArn: text(result?.['executionArn']) ?? '?', status: text(result?.['status']) ?? '?', summary: text(report?.['summary']), next: text(report?.['next']) };
}

export function stepSummary(step: Step, plan: ApplicationPlan, result: Result): string {
  switch (step) {
    case 'plan':
      return `asking approval: ${Object.entries(plan.summary).map(([k, v]) => `${k}: ${v}`).join('; ')}`;
    case 'approval':
      return `approved by ${text(result?.['by']) ?? '?'} at ${text(result?.['at']) ?? '?'}`;
    case 'maintenance-on':
      return result?.['skipped'] !== undefined ? `maintenance mode not set (${text(result['skipped']) ?? ''})` : `maintenance mode on (${text(result?.['parameter']) ?? '?'}: ${text(result?.['previous']) ?? 'none'} → ${text(result?.['current']) ?? '?'})`;
    case 'rollback':
      return plan.hook.kind === 'lambda'
        ? `rolled back by the Lambda ${plan.hook.target}${plan.version === null ? '' : ` to ${plan.version}`}`
        : `rolled back by the SSM Automation ${plan.hook.target} (execution ${text(result?.['automationExecutionId']) ?? '?'}: ${text(result?.['status']) ?? '?'})`;
    case 'database': {
      const run = databaseRunSummary(result);
      return `database restored by ${run.executionArn} (${run.status})${run.summary === null ? '' : `: ${run.summary}`}`;
    }
    case 'health':
      return `healthy: ${plan.healthUrls.join(', ')} answer 2xx`;
  }
}

export async function reportProgress(deps: { alerts: AlertSink; region: string; now: () => number }, step: Step, plan: ApplicationPlan, result: Result): Promise<DatabaseRunSummary | { step: Step; summary: string }> {
  const summary = stepSummary(step, plan, result);
  const alert: Alert = {
    severity: 'info',
    kind: `${RUNBOOK}-progress`,
    resource: RUNBOOK,
    region: deps.region,
    summary: `${plan.runId}: ${step} done — ${summary}`.slice(0, 900),
    action: step === 'plan' ? 'An approver answers with npx backup-dr approve|reject (see the approval alert).' : 'Nothing to do: the run goes on.',
    source: RUNBOOK,
    at: deps.now(),
    details: { run: plan.runId, step, execution: plan.execution },
  };
  await deps.alerts.publish(alert);
  return step === 'database' ? databaseRunSummary(result) : { step, summary };
}
