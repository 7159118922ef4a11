// export-cache-snapshots: in the primary region, on the reconcile schedule: exports our new cache
// snapshots to the export bucket. Per cache, in the primary: CacheExportsRequested, CacheExportsInFlight,
// CacheExportsCompleted, or CacheExportFailures (its alarm); each snapshot's BackupDurationSeconds and its
// export's BackupSizeBytes as they are measured (plan.ts, snapshotDurationMs).
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { scheduleEvent } from '../../../shared/redis/events.js';
import { cacheOfSnapshotName } from '../../../shared/redis/naming.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { exportCacheSnapshots } from './export-cache-snapshots.js';

export const handler = lambdaHandler('export-cache-snapshots', scheduleEvent, async (_event, rt) => {
  const record = metricRecorder(rt.metrics, 'redis');
  const deps = {
    policy: rt.policy,
    region: rt.region,
    elasticache: elastiCacheClient(rt.region),
    s3: s3Client(rt.region),
    bucket: requireEnv(ENV.exportBucket),
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
    measured: (figure: { resource: string; durationMs?: number; sizeBytes?: number }) =>
      record.resource(figure.resource, rt.region, [
        ['BackupDurationSeconds', figure.durationMs === undefined ? null : figure.durationMs / 1000],
        ['BackupSizeBytes', figure.sizeBytes ?? null],
      ]),
  };
  const report = await exportCacheSnapshots(deps).catch((error: unknown) => {
    record.failures('CacheExportFailures', error, rt.region);
    throw error;
  });
  const caches = rt.policy.resources.caches.map((cache) => cache.name);
  const of = (names: readonly string[]) => names.map((name) => cacheOfSnapshotName(name, caches)).filter((name) => name !== null);
  record.tally('CacheExportsRequested', rt.region, caches, of(report.requested));
  record.tally('CacheExportsInFlight', rt.region, caches, of(report.inFlight));
  record.tally('CacheExportsCompleted', rt.region, caches, of(report.arrived));
  return report;
});
