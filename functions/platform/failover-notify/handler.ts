// failover-notify: the alert of a region-failover that was not approved or failed (secondary region).
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { notifyEvent, notifyStopped } from './failover-notify.js';

export const handler = lambdaHandler(
  'failover-notify',
  notifyEvent,
  async (event, rt) => notifyStopped({ reports: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket), alerts: rt.alerts, region: rt.region, now: rt.now }, event),
  { onError: 'state-machine' },
);
