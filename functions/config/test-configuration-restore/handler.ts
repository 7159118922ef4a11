// test-configuration-restore: weekly per configuration (its restoreTest.schedule), in the primary; reads
// the primary's config bucket and, with a client of the secondary, the replica there. Per configuration
// tested: the outcome (kind config-restore, in the primary), the names drifted from the live values
// (primary), how far the replica was behind (secondary), and how old the newest bundle is in each region
// (ConfigurationBundleAgeSeconds: since it was captured — long for a configuration that does not change;
// the backup's freshness is ConfigurationBackupsSucceeded's alarm).
import * as z from 'zod/mini';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ssmClient } from '../../../shared/aws/ssm-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
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
  const record = metricRecorder(rt.metrics, 'config');
  const now = rt.now();
  const ageSeconds = (capturedAt: string | null | undefined) => {
    const at = Date.parse(capturedAt ?? '');
    return Number.isNaN(at) ? null : Math.max(0, now - at) / 1000;
  };
  for (const result of results) {
    if (result.outcome === 'already-recorded') continue;
    const drift = result.drift === null ? null : [result.drift.parameters, result.drift.secrets].reduce((n, d) => n + d.added + d.changed + d.removed, 0);
    const behindMs = result.replica?.behindMs ?? null;
    record.restore(result.resource, primary, 'config-restore', [[result.outcome === 'passed' ? 'RestoreTestPassed' : 'RestoreTestFailed', 1]]);
    record.resource(result.resource, primary, [
      ['ConfigurationDriftNames', drift],
      ['ConfigurationBundleAgeSeconds', ageSeconds(result.bundle?.capturedAt)],
    ]);
    record.resource(result.resource, secondary, [
      ['ConfigurationReplicaBehindSeconds', behindMs === null ? null : behindMs / 1000],
      ['ConfigurationBundleAgeSeconds', ageSeconds(result.replica?.capturedAt)],
    ]);
  }
  return { results };
});
