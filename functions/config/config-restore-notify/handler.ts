// config-restore-notify: the path of the restore-configuration state machine for a restore that failed.
import { configRestoreState } from '../../../shared/config/restore-run.js';
import { ENV } from '../../../shared/contracts.js';
import { optionalEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { configRestoreAlert } from './plan.js';

export const handler = lambdaHandler(
  'config-restore-notify',
  configRestoreState,
  async (state, rt) => {
    const alert = configRestoreAlert(rt.policy, rt.region, state, optionalEnv(ENV.reportsBucket), rt.now());
    await rt.alerts.publish(alert);
    return { notified: true, summary: alert.summary };
  },
  { onError: 'state-machine' },
);
