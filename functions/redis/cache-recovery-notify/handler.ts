// cache-recovery-notify: the report and run record of every redis-recovery, and the alert of every failure.
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { cacheRecoveryRun } from '../../../shared/redis/recovery-run.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { notifyCacheRecovery } from './cache-recovery-notify.js';

export const handler = lambdaHandler(
  'cache-recovery-notify',
  cacheRecoveryRun,
  async (run, rt) => notifyCacheRecovery({ policy: rt.policy, alerts: rt.alerts, s3: s3Client(rt.region), reportsBucket: requireEnv(ENV.reportsBucket), log: rt.log, now: rt.now }, run),
  { onError: 'state-machine' },
);
