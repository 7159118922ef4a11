// The alert of a region-failover that stopped, pure: not approved (nothing was changed), or failed —
// which steps the run record says were done, what state that leaves the application in, and how to go on.

import type { Alert } from '../../../shared/alerts/alert.js';
import { RUNBOOK, STEPS, type FailoverMode } from '../../../shared/platform/failover-run.js';

export interface Stopped {
  readonly outcome: 'not-approved' | 'failed';
  readonly runId: string;
  readonly mode: FailoverMode;
  readonly execution: string;
  readonly error: { readonly Error: string; readonly Cause?: string | undefined };
  /** The steps the run record holds, in the order they were done. */
  readonly done: readonly string[];
}

export function stoppedAlert(stopped: Stopped, region: string, now: number): Alert {
  const { runId, mode, error } = stopped;
  const cause = `${error.Error}${error.Cause === undefined ? '' : `: ${error.Cause}`}`.slice(0, 500);
  const doneText = stopped.done.length === 0 ? 'none' : stopped.done.join(', ');
  const common = { kind: `${RUNBOOK}-${stopped.outcome}`, resource: RUNBOOK, region, source: RUNBOOK, at: now };
  const details = { run: runId, mode, execution: stopped.execution, error: error.Error, done: doneText.slice(0, 500) };
  if (stopped.outcome === 'not-approved') {
    return {
      ...common,
      severity: 'warning',
      summary: `${mode} ${runId} not approved (${error.Error === 'States.Timeout' ? 'no answer in time' : 'rejected'}): nothing was changed`,
      action: 'Nothing was changed in either region. Start region-failover again when a failover is wanted.',
      details,
    };
  }
  const inMaintenance = stopped.done.includes(STEPS.maintenanceOn) && !stopped.done.includes(STEPS.maintenanceOff);
  const action =
    mode === 'rehearsal'
      ? `Rehearsal stopped; its resources were torn down (check RDS and ElastiCache in ${region} for bdr-rh-* left by a failed teardown). Production was not touched. Fix the cause; the next rehearsal runs on schedule.`
      : `Done so far: ${doneText}.${inMaintenance ? ' The application is in MAINTENANCE MODE.' : ''} Fix the cause, then start region-failover with {"resume": "${runId}"}: the steps done are skipped, the rest is done again (every step is safe to repeat).`;
  return { ...common, severity: 'critical', summary: `${mode} ${runId} FAILED: ${cause}`.slice(0, 300), action, details };
}
