// prune-cache-backups: daily in each region (the policy's prune schedule): deletes the cache backups the
// retention plan removes — in the primary snapshots and exports, in the secondary the replicated exports.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { scheduleEvent } from '../../../shared/redis/events.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
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
  rt.metrics.addMetric('CacheBackupsPruned', MetricUnit.Count, decisions.reduce((n, d) => n + d.deleted.length, 0));
  return { decisions };
});
