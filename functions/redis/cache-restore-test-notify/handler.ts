// cache-restore-test-notify: the path of the cache-restore-test state machine for a test that did not pass.
import { ENV } from '../../../shared/contracts.js';
import { cacheRestoreRun } from '../../../shared/redis/restore-run.js';
import { optionalEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { cacheRestoreAlert } from './plan.js';

export const handler = lambdaHandler(
  'cache-restore-test-notify',
  cacheRestoreRun,
  async (run, rt) => {
    const alert = cacheRestoreAlert(rt.policy, run, optionalEnv(ENV.reportsBucket), rt.now());
    await rt.alerts.publish(alert);
    return { notified: true, summary: alert.summary };
  },
  { onError: 'state-machine' },
);
