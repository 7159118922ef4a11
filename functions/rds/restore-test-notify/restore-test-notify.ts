// The Notify step: publishes the alert for a restore test that did not pass (plan.ts words it).

import type { AlertSink } from '../../../shared/alerts/alert.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { RestoreRun } from '../../../shared/rds/restore-run.js';
import { restoreTestAlert } from './plan.js';

export async function notifyRestoreTest(deps: { policy: Policy; alerts: AlertSink; bucket: string | undefined; now: () => number }, run: RestoreRun): Promise<{ notified: true; summary: string }> {
  const alert = restoreTestAlert(deps.policy, run, deps.bucket, deps.now());
  await deps.alerts.publish(alert);
  return { notified: true, summary: alert.summary };
}
