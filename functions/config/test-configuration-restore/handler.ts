// test-configuration-restore: weekly per configuration (its restoreTest.schedule), in the primary; reads
// the primary's config bucket and, with a client of the secondary, the replica there.
import * as z from 'zod/mini';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ssmClient } from '../../../shared/aws/ssm-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { recordMetrics } from '../../../shared/runtime/metric-records.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { testConfigurationRestore } from './test-configuration-restore.js';

/** A schedule names its configuration; a manual run may name several, and a new runId to test again within the hour. */
const event = z.looseObject({ resources: z.optional(z.array(nonEmptyString)), runId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1-64 letters, digits, "-" or "_"' }))) });

export const handler = lambdaHandler('test-configuration-restore', event, async (input, rt) => {
  const { primary, secondary } = rt.policy.regions;
  const results = await testConfigurationRestore(
    {
      policy: rt.policy,
      ssm: ssmClient(primary),
      secrets: secretsClient(primary),
      primaryS3: s3Client(primary),
      secondaryS3: s3Client(secondary),
      primaryBucket: requireEnv(ENV.configBucket),
      secondaryBucket: requireEnv(ENV.peerConfigBucket),
      reportsBucket: requireEnv(ENV.reportsBucket),
      alerts: rt.alerts,
      log: rt.log,
      now: rt.now,
    },
    { resources: input.resources, runId: input.runId },
  );
  for (const result of results) {
    if (result.outcome === 'already-recorded') continue;
    const drift = result.drift === null ? null : [result.drift.parameters, result.drift.secrets].reduce((n, d) => n + d.added + d.changed + d.removed, 0);
    const behindMs = result.replica?.behindMs ?? null;
    recordMetrics(rt.metrics, { resource: result.resource, kind: 'config-restore' }, [
      [result.outcome === 'passed' ? 'RestoreTestPassed' : 'RestoreTestFailed', MetricUnit.Count, 1],
      ['ConfigurationDriftNames', MetricUnit.Count, drift],
      ['ConfigurationReplicaBehindSeconds', MetricUnit.Seconds, behindMs === null ? null : behindMs / 1000],
    ]);
  }
  return { results };
});
