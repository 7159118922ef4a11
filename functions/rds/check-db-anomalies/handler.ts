// check-db-anomalies: on the reconcile schedule in the primary region; or, invoked by an operator with
// {"release": {"resource": "app-db", "reason": "…"}}, releases a quarantine. BackupAnomalies per database
// judged, in the primary.
import * as z from 'zod/mini';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { nonEmptyString, optionalEvent, strictInput } from '../../../shared/runtime/input.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { checkDbAnomalies, releaseQuarantine } from './check-db-anomalies.js';

const anomalyEvent = optionalEvent(
  z.looseObject({
    release: z.optional(strictInput({ resource: nonEmptyString, reason: z.string().check(z.minLength(10, { error: 'say why, in at least 10 characters' })) })),
  }),
);

export const handler = lambdaHandler('check-db-anomalies', anomalyEvent, async (event, rt) => {
  const primary = rt.policy.regions.primary;
  const deps = {
    policy: rt.policy,
    s3: s3Client(primary),
    bucket: requireEnv(ENV.reportsBucket),
    rds: { primary: rdsClient(primary), secondary: rdsClient(rt.policy.regions.secondary) },
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
  };
  if (event.release !== undefined) return releaseQuarantine(deps, event.release.resource, event.release.reason);
  const judged = await checkDbAnomalies(deps);
  const record = metricRecorder(rt.metrics, 'rds');
  for (const resource of new Set(judged.map((j) => j.resource))) {
    record.resource(resource, primary, [['BackupAnomalies', judged.filter((j) => j.resource === resource).reduce((n, j) => n + j.anomalies.length, 0)]]);
  }
  return { judged };
});
