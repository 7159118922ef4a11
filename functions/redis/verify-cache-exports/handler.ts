// verify-cache-exports: on a schedule in each region (and, once exports exist, on new objects): verifies
// this region's exported .rdb objects against the other region's and through the RDB integrity check.
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { scheduleEvent } from '../../../shared/redis/events.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { recordResourceFailures } from '../../../shared/runtime/metric-records.js';
import { verifyCacheExports } from './verify-cache-exports.js';

export const handler = lambdaHandler('verify-cache-exports', scheduleEvent, async (_event, rt) => {
  const otherRegion = rt.role === 'primary' ? rt.policy.regions.secondary : rt.policy.regions.primary;
  const report = await verifyCacheExports({
    policy: rt.policy,
    role: rt.role,
    own: { s3: s3Client(rt.region), bucket: requireEnv(ENV.exportBucket), region: rt.region },
    other: { s3: s3Client(otherRegion), bucket: requireEnv(ENV.peerExportBucket), region: otherRegion },
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
  }).catch((error: unknown) => {
    rt.metrics.addMetric('ExportVerificationFailures', MetricUnit.Count, 1);
    recordResourceFailures(rt.metrics, 'ExportVerificationFailures', error, rt.region);
    throw error;
  });
  rt.metrics.addMetric('ExportsVerified', MetricUnit.Count, report.verified.length);
  return report;
});
