// verify-cache-exports: on a schedule in each region (and, once exports exist, on new objects): verifies
// this region's exported .rdb objects against the other region's and through the RDB integrity check.
// Per cache, in this region: ExportsVerified (objects verified this run), or ExportVerificationFailures.
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { scheduleEvent } from '../../../shared/redis/events.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { parseExportKey } from '../../../shared/redis/exports.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { verifyCacheExports } from './verify-cache-exports.js';

export const handler = lambdaHandler('verify-cache-exports', scheduleEvent, async (_event, rt) => {
  const record = metricRecorder(rt.metrics, 'redis');
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
    record.failures('ExportVerificationFailures', error, rt.region);
    throw error;
  });
  const caches = rt.policy.resources.caches.map((cache) => cache.name);
  record.tally('ExportsVerified', rt.region, caches, report.verified.map((v) => parseExportKey(v.key)?.cache ?? ''));
  return report;
});
