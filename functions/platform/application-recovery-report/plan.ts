// What an application-recovery run did and what is left, pure: the steps done in order, where it stopped
// and why, what it changed — maintenance mode (on, off, or unknown when the step writing it failed), the
// rollback hook (done, or started and not finished), the nested database-recovery (whose full mode switches
// the endpoint) — and what to do now, from those steps and not from maintenance mode alone; for a recovered
// run the measured RTO — the run's start to maintenance mode off — against objectives.application.rto.

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
  /** Maintenance mode as the run leaves it: on, off (as before or turned off again), unknown (the step writing it failed: it may have written), none in the policy. */
  readonly maintenance: MaintenanceState;
  /** What the run changed in production, in order (empty: nothing). */
  readonly changed: readonly string[];
  readonly next: string;
}

export type MaintenanceState = 'on' | 'off' | 'unknown' | 'none';

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
const text = (value: unknown): string => (typeof value === 'string' ? value : '?');

function stepsDone(run: ApplicationRun): string[] {
  const steps: string[] = [];
  if (run.plan !== undefined) steps.push('plan');
  if (run.approval !== undefined) steps.push(`approval (${text(run.approval['by'])})`);
  if (run.maintenanceOn !== undefined) steps.push(run.maintenanceOn['skipped'] === undefined ? 'maintenance-on' : 'maintenance-on (none in the policy)');
  if (rollbackDone(run)) steps.push('rollback');
  else if (run.rollback !== undefined) steps.push(`rollback started (${text(run.rollback['automationExecutionId'])})`);
  if (run.database !== undefined) steps.push(`database (${text(run.database['executionArn'])})`);
  if (run.health !== undefined) steps.push('health');
  if (run.maintenanceOff !== undefined) steps.push('maintenance-off');
  return steps;
}

/** The hook finished: the Lambda answered, or the automation's final status was read (its start alone records only the execution id). */
const rollbackDone = (run: ApplicationRun): boolean => run.rollback !== undefined && (run.rollback['status'] !== undefined || run.rollback['statusCode'] !== undefined);

/** Maintenance mode as the run leaves it, from the steps done (the state machine: on → rollback → database → health → off). */
function maintenanceState(policy: Policy, run: ApplicationRun): MaintenanceState {
  if (policy.recovery?.maintenanceMode === undefined || run.maintenanceOn?.['skipped'] !== undefined) return 'none';
  if (run.maintenanceOn === undefined) {
    // Approved but "Maintenance on" has no result: it failed, possibly after its write reached SSM.
    return run.approval !== undefined && run.error !== undefined ? 'unknown' : 'off';
  }
  if (run.maintenanceOff !== undefined) return 'off';
  // Healthy and "Maintenance off" has no result: it failed, possibly after its write.
  return run.health !== undefined && run.error !== undefined ? 'unknown' : 'on';
}

/** What the run changed in production, as the operator must know it before deciding. */
function changesMade(run: ApplicationRun, maintenance: MaintenanceState): string[] {
  const plan = run.plan;
  if (plan === undefined) return [];
  const changed: string[] = [];
  if (maintenance === 'on' || (maintenance === 'off' && run.maintenanceOff !== undefined)) changed.push(maintenance === 'on' ? 'maintenance mode turned on' : 'maintenance mode turned on and off again');
  if (maintenance === 'unknown') changed.push(run.maintenanceOn === undefined ? 'maintenance mode possibly turned on' : 'maintenance mode possibly left on');
  const hook = `${plan.hook.kind === 'lambda' ? 'Lambda' : 'SSM Automation'} ${plan.hook.target}${plan.version === null ? '' : ` (version ${plan.version})`}`;
  if (rollbackDone(run)) changed.push(`the application rolled back by ${hook}`);
  else if (run.rollback !== undefined) changed.push(`the rollback by ${hook} started (${text(run.rollback['automationExecutionId'])}) and not finished: the application may be partly rolled back`);
  else if (run.maintenanceOn !== undefined && run.error !== undefined) changed.push(`the rollback by ${hook} possibly started, with no result: the application may be partly rolled back`);
  const nested = plan.databaseExecution ?? 'the nested database-recovery';
  if (run.database !== undefined) changed.push(`the database restored by ${nested}`);
  else if (plan.database !== null && rollbackDone(run) && run.error !== undefined) changed.push(`the database restore ${nested} possibly started, with no result`);
  return changed;
}

function errorText(error: ApplicationRun['error']): string | null {
  if (error === undefined) return null;
  return `${error.Error}${error.Cause === undefined || error.Cause === '' ? '' : `: ${error.Cause}`}`.slice(0, 1500);
}

function nextAction(policy: Policy, run: ApplicationRun, outcome: Outcome, maintenance: MaintenanceState, changed: readonly string[], region: string): string {
  const mode = policy.recovery?.maintenanceMode;
  const off = mode === undefined ? '' : ` To serve again as it is: aws ssm put-parameter --name ${mode.parameter} --value '${mode.off}' --overwrite --region ${region}.`;
  const check = mode === undefined ? '' : ` Check it: aws ssm get-parameter --name ${mode.parameter} --query Parameter.Value --output text --region ${region} ('${mode.on}': users see the maintenance page).`;
  const database = run.plan?.database === null || run.plan?.database === undefined ? '' : ` The nested database-recovery (${run.plan.databaseExecution ?? '?'}) has its own report: read it before deciding (in full mode it switches the endpoint to the restored instance).`;
  switch (outcome) {
    case 'recovered':
      return 'Nothing to do: watch the application; the evidence record has the measured RTO.';
    case 'rejected':
      return 'Nothing was changed (no maintenance mode, no rollback). Start again when an approver agrees, or roll back by hand.';
    case 'unhealthy':
      return `The application was rolled back${run.database === undefined ? '' : ' and its database restored'}, but it does not answer healthy. MAINTENANCE MODE IS STILL ON: users see the maintenance page. Look at the failing URLs and the application's logs; when it is healthy, turn maintenance mode off.${off}${database} Or roll to another version: start application-recovery again with {"version": "…"}.`;
    case 'failed': {
      if (run.plan === undefined) return 'Nothing was done. Fix what the error names (the input or the policy) and start again.';
      if (run.maintenanceOff !== undefined) {
        return 'The recovery itself completed (rolled back, healthy, maintenance mode off): only its report failed, so there is no evidence record or measured RTO from this run (the execution history has every step\'s time). Nothing to undo: watch the application.';
      }
      if (changed.length === 0) return 'Nothing was changed in production (no maintenance mode, no rollback). Fix the cause and start application-recovery again.';
      const state: Record<MaintenanceState, string> = {
        on: `MAINTENANCE MODE IS STILL ON: users see the maintenance page.`,
        unknown:
          run.maintenanceOn === undefined
            ? `MAINTENANCE MODE STATE UNKNOWN: "Maintenance on" failed, possibly after writing.${check}`
            : `MAINTENANCE MODE MAY STILL BE ON: "Maintenance off" failed, possibly before writing.${check}`,
        off: '',
        none: 'No maintenance mode in the policy: the application kept serving throughout.',
      };
      return (
        `${state[maintenance]} Changed so far: ${changed.join('; ')}. Fix the cause, then start application-recovery again (the hook must be safe to run twice), ` +
        `or finish by hand${maintenance === 'on' || maintenance === 'unknown' ? ' and turn maintenance mode off' : ''}.${maintenance === 'on' || maintenance === 'unknown' ? off : ''}${database}`
      ).trim();
    }
  }
}

export function applicationReport(policy: Policy, run: ApplicationRun, outcome: Outcome, runId: string, region: string, now: number): ApplicationReport {
  const plan = run.plan;
  const startedAt = plan?.startedAt ?? null;
  const rtoMs = outcome === 'recovered' && startedAt !== null ? now - startedAt : null;
  const target = policy.objectives.application.rto;
  const approvedAt = typeof run.approval?.['at'] === 'string' ? Date.parse(run.approval['at']) : NaN;
  const maintenance = maintenanceState(policy, run);
  const changed = changesMade(run, maintenance);
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
    maintenanceLeftOn: maintenance === 'on',
    maintenance,
    changed,
    next: nextAction(policy, run, outcome, maintenance, changed, region),
  };
}

const SEVERITY: Record<Outcome, Severity> = { recovered: 'info', rejected: 'warning', failed: 'critical', unhealthy: 'critical' };

export function reportAlert(report: ApplicationReport, region: string, evidence: string | null, now: number): Alert {
  const severity: Severity = report.outcome === 'recovered' && report.objective === 'missed' ? 'warning' : SEVERITY[report.outcome];
  const head: Record<Outcome, string> = {
    recovered: `recovered: RTO ${minutes(report.rtoMs ?? 0)} (target ${minutes(report.rtoTargetMs)})${report.objective === 'missed' ? ' — objective MISSED' : ''}`,
    rejected: 'not approved: nothing was changed',
    failed: `FAILED: ${report.error?.split(':')[0] ?? 'unknown error'}${report.maintenance === 'on' ? ' — MAINTENANCE MODE ON' : report.maintenance === 'unknown' ? ' — MAINTENANCE MODE UNKNOWN' : ''}`,
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
    details: { run: report.runId, outcome: report.outcome, evidence, rtoMs: report.rtoMs, maintenanceLeftOn: report.maintenanceLeftOn, maintenance: report.maintenance },
  };
}
