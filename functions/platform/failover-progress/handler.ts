// failover-progress: records a region-failover step as done (run record) and reports it (info alert).
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { progressEvent, recordProgress } from './failover-progress.js';

export const handler = lambdaHandler(
  'failover-progress',
  progressEvent,
  async (event, rt) => recordProgress({ reports: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket), alerts: rt.alerts, region: rt.region, now: rt.now }, event),
  { onError: 'state-machine' },
);
