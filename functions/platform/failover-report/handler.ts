// failover-report: region-failover's evidence (measured RTO/RPO against the objectives) and its final alert.
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { reportEvent, reportFailover } from './failover-report.js';

export const handler = lambdaHandler(
  'failover-report',
  reportEvent,
  async (event, rt) => reportFailover({ policy: rt.policy, reports: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket), alerts: rt.alerts, region: rt.region, now: rt.now }, event),
  { onError: 'state-machine' },
);
