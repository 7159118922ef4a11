// capture-cache-manifest: on each cache's snapshot schedule (in the validation VPC, primary region): the
// manifest the snapshot of that run is later judged against.
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ENV } from '../../../shared/contracts.js';
import { scheduledCacheRunEvent } from '../../../shared/redis/events.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { captureCacheManifests } from './capture-cache-manifest.js';

export const handler = lambdaHandler('capture-cache-manifest', scheduledCacheRunEvent, async (event, rt) => {
  const region = rt.policy.regions.primary;
  const deps = { policy: rt.policy, elasticache: elastiCacheClient(region), secrets: secretsClient(region), s3: s3Client(region), bucket: requireEnv(ENV.reportsBucket), alerts: rt.alerts, log: rt.log, now: rt.now };
  const outcomes = await captureCacheManifests(deps, event).catch((error: unknown) => {
    rt.metrics.addMetric('CacheManifestFailures', MetricUnit.Count, 1);
    throw error;
  });
  rt.metrics.addMetric('CacheManifestsCaptured', MetricUnit.Count, outcomes.filter((o) => o.status === 'captured').length);
  return { outcomes };
});
