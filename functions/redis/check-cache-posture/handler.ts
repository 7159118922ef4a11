// check-cache-posture: daily in each region; findings are alerts, the age of the newest verified export and the
// findings per cache and of the export bucket are metrics.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { scheduleEvent } from '../../../shared/redis/events.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { checkCachePosture, EXPORT_BUCKET_RESOURCE } from './check-cache-posture.js';

export const handler = lambdaHandler('check-cache-posture', scheduleEvent, async (_event, rt) => {
  const report = await checkCachePosture({
    policy: rt.policy,
    role: rt.role,
    elasticache: elastiCacheClient(rt.policy.regions.primary),
    own: { s3: s3Client(rt.region), bucket: requireEnv(ENV.exportBucket), region: rt.region },
    peerBucket: requireEnv(ENV.peerExportBucket),
    alerts: rt.alerts,
    memory: { s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket) },
    log: rt.log,
    now: rt.now,
  });
  const record = metricRecorder(rt.metrics, 'redis');
  for (const cache of report.caches) {
    record.resource(cache.resource, rt.region, [
      ['NewestVerifiedExportAgeSeconds', cache.newestVerifiedExportAge === null ? null : cache.newestVerifiedExportAge / 1000],
      ['PostureFindings', cache.findings.length],
    ]);
  }
  record.resource(EXPORT_BUCKET_RESOURCE, rt.region, [['PostureFindings', report.exportBucket.findings.length]]);
  return report;
});
