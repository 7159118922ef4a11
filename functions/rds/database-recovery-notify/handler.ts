// database-recovery-notify: the report of every database-recovery, and the alert of every failure.
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { notifyRecovery } from './database-recovery-notify.js';
import { recoveryRun } from './plan.js';

export const handler = lambdaHandler('database-recovery-notify', recoveryRun, async (run, rt) => notifyRecovery({ policy: rt.policy, alerts: rt.alerts, now: rt.now }, run), { onError: 'state-machine' });
