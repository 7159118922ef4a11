// check-failover-readiness: daily in the secondary region (recovery.readinessSchedule) and on demand (a
// Lambda console Test with {}); gaps are alerts, each resource's gap count and RPO are metrics.
import { cloudWatchClient } from '../../../shared/aws/cloudwatch-client.js';
import { ec2Client } from '../../../shared/aws/ec2-client.js';
import { elastiCacheClient } from '../../../shared/aws/elasticache-client.js';
import { kmsClient } from '../../../shared/aws/kms-client.js';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ENV } from '../../../shared/contracts.js';
import { scheduleEvent } from '../../../shared/rds/events.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { checkFailoverReadiness, SOURCE } from './check-failover-readiness.js';

export const handler = lambdaHandler(SOURCE, scheduleEvent, async (_event, rt) => {
  const reports = requireEnv(ENV.reportsBucket);
  const outcome = await checkFailoverReadiness({
    policy: rt.policy,
    stage: rt.stage,
    rds: rdsClient(rt.region),
    elasticache: elastiCacheClient(rt.region),
    secrets: secretsClient(rt.region),
    kms: kmsClient(rt.region),
    cloudwatch: cloudWatchClient(rt.region),
    ec2: ec2Client(rt.region),
    s3: s3Client(rt.region),
    buckets: { exports: requireEnv(ENV.exportBucket), config: requireEnv(ENV.configBucket), reports },
    alerts: rt.alerts,
    memory: { s3: s3Client(rt.region), bucket: reports },
    log: rt.log,
    now: rt.now,
  });
  const metrics = metricRecorder(rt.metrics, 'platform');
  for (const r of outcome.resources) {
    metrics.resource(r.resource, rt.region, [
      ['FailoverReadinessGaps', r.gaps.length],
      ['FailoverRpoSeconds', r.rpo === null ? null : r.rpo / 1000],
    ]);
  }
  return outcome.report;
});
