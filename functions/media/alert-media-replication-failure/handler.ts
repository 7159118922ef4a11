// alert-media-replication-failure: invoked by S3 for a media bucket's replication events.
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { replicationAlerts, s3Notification } from './plan.js';

export const handler = lambdaHandler('alert-media-replication-failure', s3Notification, async (event, rt) => {
  const alerts = replicationAlerts(rt.policy, event, rt.now());
  for (const alert of alerts) await rt.alerts.publish(alert);
  return { alerted: alerts.length };
});
