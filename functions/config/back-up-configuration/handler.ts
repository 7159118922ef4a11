// back-up-configuration: daily per configuration (its schedule) and on every change of a parameter or
// secret it covers (EventBridge), in the primary. Per configuration of the run, an EMF record
// (resource, region): ConfigurationBackupsSucceeded when its bundle was written or found unchanged — the
// stored bundle is the live configuration: what the freshness alarm waits for — or
// ConfigurationBackupFailures when it failed.
import * as z from 'zod/mini';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ssmClient } from '../../../shared/aws/ssm-client.js';
import { ENV } from '../../../shared/contracts.js';
import { RunFailed } from '../../../shared/errors.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { recordMetrics, recordResourceFailures } from '../../../shared/runtime/metric-records.js';
import { backUpConfiguration, configurationsForChange, configurationsOf } from './back-up-configuration.js';

/** A schedule names the configurations of its run; a change event (EventBridge) names the parameter or secret that changed. */
const event = z.looseObject({ source: z.optional(z.string()), resources: z.optional(z.array(nonEmptyString)), detail: z.optional(z.looseObject({})) });

export const handler = lambdaHandler('back-up-configuration', event, async (input, rt) => {
  const region = rt.policy.regions.primary;
  // A change event (it has a `source`) backs up the configurations with `onChange` covering what changed; a schedule names its own.
  const names = input.source === undefined ? input.resources : configurationsForChange(rt.policy, { source: input.source, ...(input.detail === undefined ? {} : { detail: input.detail }) }, rt.log);
  if (names?.length === 0) return { outcomes: [] };
  const outcomes = await backUpConfiguration(
    { policy: rt.policy, ssm: ssmClient(region), secrets: secretsClient(region), s3: s3Client(region), bucket: requireEnv(ENV.configBucket), kmsKey: requireEnv(ENV.configKey), alerts: rt.alerts, log: rt.log, now: rt.now },
    names,
  ).catch((error: unknown) => {
    // A RunFailed names the configurations that failed; the others of the run were backed up.
    if (error instanceof RunFailed) {
      const failed = new Set(error.failures.map((f) => f.resource));
      for (const configuration of configurationsOf(rt.policy, names)) {
        if (!failed.has(configuration.name)) recordMetrics(rt.metrics, { resource: configuration.name, region }, [['ConfigurationBackupsSucceeded', MetricUnit.Count, 1]]);
      }
    }
    recordResourceFailures(rt.metrics, 'ConfigurationBackupFailures', error, region);
    throw error;
  });
  for (const outcome of outcomes.filter((o) => o.status !== 'failed')) recordMetrics(rt.metrics, { resource: outcome.resource, region }, [['ConfigurationBackupsSucceeded', MetricUnit.Count, 1]]);
  rt.metrics.addMetric('ConfigurationBundlesWritten', MetricUnit.Count, outcomes.filter((o) => o.status === 'written').length);
  return { outcomes };
});
