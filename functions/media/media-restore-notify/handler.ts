// media-restore-notify: the path of the media-restore state machine for a restore that failed.
import { ENV } from '../../../shared/contracts.js';
import { mediaRestoreState } from '../../../shared/media/restore-run.js';
import { optionalEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { mediaRestoreAlert } from './plan.js';

export const handler = lambdaHandler(
  'media-restore-notify',
  mediaRestoreState,
  async (state, rt) => {
    const alert = mediaRestoreAlert(rt.policy, state, optionalEnv(ENV.reportsBucket), rt.now());
    await rt.alerts.publish(alert);
    return { notified: true, summary: alert.summary };
  },
  { onError: 'state-machine' },
);
