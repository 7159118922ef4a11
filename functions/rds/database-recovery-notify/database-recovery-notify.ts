// The Report and Notify steps: words the outcome (plan.ts), publishes it to the alerts topic, and hands
// the report back as the execution's output.

import type { AlertSink } from '../../../shared/alerts/alert.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { recoveryAlert, recoveryReport, type RecoveryReport, type RecoveryRun } from './plan.js';

export async function notifyRecovery(deps: { policy: Policy; alerts: AlertSink; now: () => number }, run: RecoveryRun): Promise<RecoveryReport> {
  const now = deps.now();
  const report = recoveryReport(deps.policy, run, now);
  await deps.alerts.publish(recoveryAlert(deps.policy, run, report, now));
  return report;
}
