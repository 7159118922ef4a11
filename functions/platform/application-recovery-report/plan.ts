// What an application-recovery run did and what is left, pure: the steps done in order, where it stopped
// and why, whether the application is left in maintenance mode, what to do now; for a recovered run the
// measured RTO — the run's start to maintenance mode off — against objectives.application.rto.

import type { Alert, Severity } from '../../../shared/alerts/alert.js';
import { RUNBOOK, type ApplicationPlan } from '../../../shared/platform/application-run.js';
import type { Policy } from '../../../shared/policy/schema.js';

export const OUTCOMES = ['recovered', 'failed', 'rejected', 'unhealthy'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The execution's state as the report step receives it ($): each step's result under its ResultPath. */
export interface ApplicationRun {
  readonly plan?: ApplicationPlan | undefined;
  readonly approval?: Record<string, unknown> | undefined;
  readonly maintenanceOn?: Record<string, unknown> | undefined;
  readonly rollback?: Record<string, unknown> | undefined;
  readonly database?: Record<string, unknown> | undefined;
  readonly health?: Record<string, unknown> | undefined;
  readonly maintenanceOff?: Record<string, unknown> | undefined;
  readonly error?: { readonly Error: string; readonly Cause?: string | undefined } | undefined;
}

export interface ApplicationReport {
  readonly runId: string;
  readonly outcome: Outcome;
  readonly startedAt: string | null;
  readonly finishedAt: string;
  /** Start → maintenance mode off; null unless recovered. */
  readonly rtoMs: number | null;
  readonly rtoTargetMs: number;
  /** Start → approved: how much of the RTO was the wait for an approver. */
  readonly approvalWaitMs: number | null;
  readonly objective: 'met' | 'missed' | null;
  readonly hook: ApplicationPlan['hook'] | null;
  readonly version: string | null;
  readonly database: Record<string, unknown> | null;
  readonly steps: readonly string[];
  readonly error: string | null;
  /** Maintenance mode was turned on by this run and not off again. */
  readonly maintenanceLeftOn: boolean;
  readonly next: string;
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
const text = (value: unknown): string => (typeof value === 'string' ? value : '?');

function stepsDone(run: ApplicationRun): string[] {
  const steps: string[] = [];
  if (run.plan !== undefined) steps.push('plan');
  if (run.approval !== undefined) steps.push(`approval (${text(run.approval['by'])})`);
  if (run.maintenanceOn !== undefined) steps.push(run.maintenanceOn['skipped'] === undefined ? 'maintenance-on' : 'maintenance-on (none in the policy)');
  if (run.rollback !== undefined) steps.push('rollback');
  if (run.database !== undefined) steps.push(`database (${text(run.database['executionArn'])})`);
  if (run.health !== undefined) steps.push('health');
  if (run.maintenanceOff !== undefined) steps.push('maintenance-off');
  return steps;
}

function errorText(error: ApplicationRun['error']): string | null {
  if (error === undefined) return null;
  return `${error.Error}${error.Cause === undefined || error.Cause === '' ? '' : `: ${error.Cause}`}`.slice(0, 1500);
}

function nextAction(policy: Policy, run: ApplicationRun, outcome: Outcome, maintenanceLeftOn: boolean, region: string): string {
  const maintenance = policy.recovery?.maintenanceMode;
  const off = maintenance === undefined ? '' : ` To serve again as it is: aws ssm put-parameter --name ${maintenance.parameter} --value '${maintenance.off}' --overwrite --region ${region}.`;
  const database = run.plan?.database === null || run.plan?.database === undefined ? '' : ` The nested database-recovery (${run.plan.databaseExecution ?? '?'}) has its own report: read it before deciding.`;
  switch (outcome) {
    case 'recovered':
      return 'Nothing to do: watch the application; the evidence record has the measured RTO.';
    case 'rejected':
      return 'Nothing was changed (no maintenance mode, no rollback). Start again when an approver agrees, or roll back by hand.';
    case 'unhealthy':
      return `The application was rolled back${run.database === undefined ? '' : ' and its database restored'}, but it does not answer healthy. MAINTENANCE MODE IS STILL ON: users see the maintenance page. Look at the failing URLs and the application's logs; when it is healthy, turn maintenance mode off.${off}${database} Or roll to another version: start application-recovery again with {"version": "…"}.`;
    case 'failed':
      if (run.plan === undefined) return 'Nothing was done. Fix what the error names (the input or the policy) and start again.';
      if (!maintenanceLeftOn) return 'Nothing irreversible was done. Fix the cause and start application-recovery again.';
      return `MAINTENANCE MODE IS STILL ON: users see the maintenance page. Fix the cause, then start application-recovery again (the hook must be safe to run twice), or finish by hand and turn maintenance mode off.${off}${database}`;
  }
}

export function applicationReport(policy: Policy, run: ApplicationRun, outcome: Outcome, runId: string, region: string, now: number): ApplicationReport {
  const plan = run.plan;
  const startedAt = plan?.startedAt ?? null;
  const rtoMs = outcome === 'recovered' && startedAt !== null ? now - startedAt : null;
  const target = policy.objectives.application.rto;
  const approvedAt = typeof run.approval?.['at'] === 'string' ? Date.parse(run.approval['at']) : NaN;
  const maintenanceLeftOn = run.maintenanceOn !== undefined && run.maintenanceOn['skipped'] === undefined && run.maintenanceOff === undefined;
  return {
    runId,
    outcome,
    startedAt: startedAt === null ? null : new Date(startedAt).toISOString(),
    finishedAt: new Date(now).toISOString(),
    rtoMs,
    rtoTargetMs: target,
    approvalWaitMs: startedAt === null || Number.isNaN(approvedAt) ? null : approvedAt - startedAt,
    objective: rtoMs === null ? null : rtoMs <= target ? 'met' : 'missed',
    hook: plan?.hook ?? null,
    version: plan?.version ?? null,
    database: plan?.database ?? null,
    steps: stepsDone(run),
    error: errorText(run.error),
    maintenanceLeftOn,
    next: nextAction(policy, run, outcome, maintenanceLeftOn, region),
  };
}

const SEVERITY: Record<Outcome, Severity> = { recovered: 'info', rejected: 'warning', failed: 'critical', unhealthy: 'critical' };

export function reportAlert(report: ApplicationReport, region: string, evidence: string | null, now: number): Alert {
  const severity: Severity = report.outcome === 'recovered' && report.objective === 'missed' ? 'warning' : SEVERITY[report.outcome];
  const head: Record<Outcome, string> = {
    recovered: `recovered: RTO ${minutes(report.rtoMs ?? 0)} (target ${minutes(report.rtoTargetMs)})${report.objective === 'missed' ? ' — objective MISSED' : ''}`,
    rejected: 'not approved: nothing was changed',
    failed: `FAILED: ${report.error?.split(':')[0] ?? 'unknown error'}${report.maintenanceLeftOn ? ' — MAINTENANCE MODE ON' : ''}`,
    unhealthy: 'application UNHEALTHY after the rollback — MAINTENANCE MODE ON',
  };
  return {
    severity,
    kind: report.outcome === 'recovered' ? `${RUNBOOK}-report` : `${RUNBOOK}-${report.outcome === 'rejected' ? 'not-approved' : report.outcome}`,
    resource: RUNBOOK,
    region,
    summary: `${report.runId} ${head[report.outcome]}`,
    action: `${report.next} Done so far: ${report.steps.length === 0 ? 'none' : report.steps.join(', ')}.${report.error === null ? '' : ` Error: ${report.error}`}`,
    source: RUNBOOK,
    at: now,
    details: { run: report.runId, outcome: report.outcome, evidence, rtoMs: report.rtoMs, maintenanceLeftOn: report.maintenanceLeftOn },
  };
}
