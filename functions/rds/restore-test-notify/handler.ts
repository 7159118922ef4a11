// restore-test-notify: the failure path of the restore-test and pitr-test state machines.
import { optionalEnv } from '../../../shared/runtime/env.js';
import type { RestoreRun } from '../../../shared/rds/restore-run.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { restoreTestAlert } from './plan.js';

export const handler = lambdaHandler(
  'restore-test-notify',
  async (run: RestoreRun, rt) => {
    const alert = restoreTestAlert(rt.policy, run, optionalEnv('REPORTS_BUCKET'), rt.now());
    await rt.alerts.publish(alert);
    return { notified: true, summary: alert.summary };
  },
  { onError: 'state-machine' },
);
