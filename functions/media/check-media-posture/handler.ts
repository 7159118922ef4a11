// check-media-posture: daily in the primary (sources and archive copies) and the secondary (replicas);
// findings are alerts, their count a PostureFindings record per bucket, with the region that copy is in
// (the source's primary, the replica's secondary, the archive copy's archive region: distinct regions,
// the policy says, so the region tells the sides apart).
import { kmsClient } from '../../../shared/aws/kms-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { scheduleEvent } from '../../../shared/runtime/input.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { checkMediaPosture } from './check-media-posture.js';

export const handler = lambdaHandler('check-media-posture', scheduleEvent, async (_event, rt) => {
  const report = await checkMediaPosture({ policy: rt.policy, role: rt.role, stage: rt.stage, s3: s3Client, kms: kmsClient, alerts: rt.alerts, memory: { s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket) }, log: rt.log, now: rt.now });
  const record = metricRecorder(rt.metrics, 'media');
  for (const bucket of report.buckets) record.resource(bucket.resource, bucket.region, [['PostureFindings', bucket.findings.length]]);
  return report;
});
