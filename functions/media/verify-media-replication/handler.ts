// verify-media-replication: daily in the primary, each media bucket against its replica. Per bucket,
// ReplicationMismatches and ObjectsWithoutChecksum with the region of the replica checked (the secondary).
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { scheduleEvent } from '../../../shared/runtime/input.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { verifyMediaReplication } from './verify-media-replication.js';

export const handler = lambdaHandler('verify-media-replication', scheduleEvent, async (_event, rt) => {
  const results = await verifyMediaReplication({
    policy: rt.policy,
    source: s3Client(rt.policy.regions.primary),
    replica: s3Client(rt.policy.regions.secondary),
    reportsBucket: requireEnv(ENV.reportsBucket),
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
  });
  const record = metricRecorder(rt.metrics, 'media');
  for (const result of results) {
    record.resource(result.resource, rt.policy.regions.secondary, [
      ['ReplicationMismatches', result.problems.length],
      ['ObjectsWithoutChecksum', result.noChecksum],
    ]);
  }
  return { results };
});
