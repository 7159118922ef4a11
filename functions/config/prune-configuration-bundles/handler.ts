// prune-configuration-bundles: daily in each region (the policy's prune schedule), on that region's config
// bucket — the primary's bundles, the secondary's replicas — by each configuration's retention.
// ConfigurationBundleVersionsDeleted per configuration, in this region.
import * as z from 'zod/mini';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { nonEmptyString, optionalEvent } from '../../../shared/runtime/input.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { pruneConfigurationBundles } from './prune-configuration-bundles.js';

/** A schedule (no input), or a manual run: `{"dryRun": true}` only reports, `resources` limits it to those configurations. */
const event = optionalEvent(
  z.looseObject({
    dryRun: z.optional(z.boolean({ error: 'must be true or false' })),
    resources: z.optional(z.array(nonEmptyString, { error: 'must be a list of configuration names' })),
  }),
);

export const handler = lambdaHandler('prune-configuration-bundles', event, async (input, rt) => {
  // The policy's dryRun cannot be lifted by an input: a run may only be drier.
  const dryRun = rt.policy.dryRun || input.dryRun === true;
  const decisions = await pruneConfigurationBundles(
    { policy: rt.policy, role: rt.role, s3: s3Client(rt.region), bucket: requireEnv(ENV.configBucket), region: rt.region, alerts: rt.alerts, log: rt.log, now: rt.now },
    { dryRun, ...(input.resources === undefined ? {} : { resources: input.resources }) },
  );
  const record = metricRecorder(rt.metrics, 'config');
  for (const d of decisions) record.resource(d.resource, rt.region, [['ConfigurationBundleVersionsDeleted', d.deleted.length]]);
  return { dryRun, decisions };
});
