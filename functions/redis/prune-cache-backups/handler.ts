// prune-cache-backups: daily in each region (the policy's prune schedule): deletes the cache backups the
// retention plan removes — in the primary snapshots and exports, in the secondary the replicated exports.
// CacheBackupsPruned per cache, in this region.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { scheduleEvent } from '../../../shared/redis/events.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { pruneCacheBackups } from './prune-cache-backups.js';

export const handler = lambdaHandler('prune-cache-backups', scheduleEvent, async (_event, rt) => {
  const otherRegion = rt.role === 'primary' ? rt.policy.regions.secondary : rt.policy.regions.primary;
  const decisions = await pruneCacheBackups({
    policy: rt.policy,
    role: rt.role,
    elasticache: elastiCacheClient(rt.policy.regions.primary),
    own: { s3: s3Client(rt.region), bucket: requireEnv(ENV.exportBucket), region: rt.region },
    other: { s3: s3Client(otherRegion), bucket: requireEnv(ENV.peerExportBucket), region: otherRegion },
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
  });
  const record = metricRecorder(rt.metrics, 'redis');
  for (const d of decisions) record.resource(d.resource, rt.region, [['CacheBackupsPruned', d.deleted.length]]);
  return { decisions };
});
