// export-cache-snapshots: in the primary region, on the reconcile schedule and on ElastiCache snapshot
// events: exports our new cache snapshots to the export bucket.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { scheduleEvent } from '../../../shared/redis/events.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { exportCacheSnapshots } from './export-cache-snapshots.js';

export const handler = lambdaHandler('export-cache-snapshots', scheduleEvent, async (_event, rt) => {
  const deps = { policy: rt.policy, region: rt.region, elasticache: elastiCacheClient(rt.region), s3: s3Client(rt.region), bucket: requireEnv(ENV.exportBucket), alerts: rt.alerts, log: rt.log, now: rt.now };
  const report = await exportCacheSnapshots(deps).catch((error: unknown) => {
    rt.metrics.addMetric('CacheExportFailures', MetricUnit.Count, 1);
    throw error;
  });
  rt.metrics.addMetric('CacheExportsRequested', MetricUnit.Count, report.requested.length);
  return report;
});
