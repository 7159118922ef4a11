// back-up-configuration: daily per configuration (its schedule) and on every change of a parameter or
// secret it covers (EventBridge), in the primary. Per configuration of the run, EMF records (component
// config, resource, the primary): ConfigurationBackupsSucceeded when its bundle was written or found
// unchanged — the stored bundle is the live configuration: what the freshness alarm waits for — with
// BackupSizeBytes (the stored bundle's size) and ConfigurationBundlesWritten; or
// ConfigurationBackupFailures when it failed.
import * as z from 'zod/mini';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ssmClient } from '../../../shared/aws/ssm-client.js';
import { ENV } from '../../../shared/contracts.js';
import { RunFailed } from '../../../shared/errors.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { backUpConfiguration, configurationsForChange, configurationsOf } from './back-up-configuration.js';

/** A schedule names the configurations of its run; a change event (EventBridge) names the parameter or secret that changed. */
const event = z.looseObject({ source: z.optional(z.string()), resources: z.optional(z.array(nonEmptyString)), detail: z.optional(z.looseObject({})) });

export const handler = lambdaHandler('back-up-configuration', event, async (input, rt) => {
  const region = rt.policy.regions.primary;
  // A change event (it has a `source`) backs up the configurations with `onChange` covering what changed; a schedule names its own.
  const names = input.source === undefined ? input.resources : configurationsForChange(rt.policy, { source: input.source, ...(input.detail === undefined ? {} : { detail: input.detail }) }, rt.log);
  if (names?.length === 0) return { outcomes: [] };
  const record = metricRecorder(rt.metrics, 'config');
  const outcomes = await backUpConfiguration(
    { policy: rt.policy, ssm: ssmClient(region), secrets: secretsClient(region), s3: s3Client(region), bucket: requireEnv(ENV.configBucket), kmsKey: requireEnv(ENV.configKey), alerts: rt.alerts, log: rt.log, now: rt.now },
    names,
  ).catch((error: unknown) => {
    // A RunFailed names the configurations that failed; the others of the run were backed up.
    if (error instanceof RunFailed) {
      const failed = new Set(error.failures.map((f) => f.resource));
      for (const configuration of configurationsOf(rt.policy, names)) {
        if (!failed.has(configuration.name)) record.resource(configuration.name, region, [['ConfigurationBackupsSucceeded', 1]]);
      }
    }
    record.failures('ConfigurationBackupFailures', error, region);
    throw error;
  });
  for (const outcome of outcomes) {
    if (outcome.status === 'failed') continue;
    record.resource(outcome.resource, region, [
      ['ConfigurationBackupsSucceeded', 1],
      ['ConfigurationBundlesWritten', outcome.status === 'written' ? 1 : 0],
      ['BackupSizeBytes', outcome.bytes],
    ]);
  }
  return { outcomes };
});
