// capture-cache-manifest: on each cache's snapshot schedule (in the validation VPC, primary region): the
// manifest the snapshot of that run is later judged against. Per cache of the run, in the primary:
// CacheManifestsCaptured, or CacheManifestFailures.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ENV } from '../../../shared/contracts.js';
import { scheduledCacheRunEvent } from '../../../shared/redis/events.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { captureCacheManifests } from './capture-cache-manifest.js';

export const handler = lambdaHandler('capture-cache-manifest', scheduledCacheRunEvent, async (event, rt) => {
  const region = rt.policy.regions.primary;
  const deps = { policy: rt.policy, elasticache: elastiCacheClient(region), secrets: secretsClient(region), s3: s3Client(region), bucket: requireEnv(ENV.reportsBucket), alerts: rt.alerts, log: rt.log, now: rt.now };
  const record = metricRecorder(rt.metrics, 'redis');
  const outcomes = await captureCacheManifests(deps, event).catch((error: unknown) => {
    record.failures('CacheManifestFailures', error, region);
    throw error;
  });
  record.tally('CacheManifestsCaptured', region, outcomes.map((o) => o.resource), outcomes.filter((o) => o.status === 'captured').map((o) => o.resource));
  return { outcomes };
});
