// restore-test-notify: the path of the restore-test and pitr-test state machines for a test that did not pass.
import { ENV } from '../../../shared/contracts.js';
import { restoreRun } from '../../../shared/rds/restore-run.js';
import { optionalEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { notifyRestoreTest } from './restore-test-notify.js';

export const handler = lambdaHandler(
  'restore-test-notify',
  restoreRun,
  async (run, rt) => notifyRestoreTest({ policy: rt.policy, alerts: rt.alerts, bucket: optionalEnv(ENV.reportsBucket), now: rt.now }, run),
  { onError: 'state-machine' },
);
