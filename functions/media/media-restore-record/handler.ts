// media-restore-record: the outcome and the evidence of a point-in-time restore of a prefix; for a restore
// done (not a dry run, nothing failed) its RTO — planned to recorded — as RestoreRtoSeconds (resource,
// the source bucket's region, kind prefix-restore).
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { mediaRestoreState } from '../../../shared/media/restore-run.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { recordMediaRestore } from './media-restore-record.js';

export const handler = stepHandler(mediaRestoreState, async (state, rt) => {
  const recorded = await recordMediaRestore({ policy: rt.policy, s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket), log: rt.log, now: rt.now }, state);
  const run = state.run;
  if (recorded.outcome === 'restored' && run !== undefined && rt.policy.resources.buckets.some((b) => b.name === run.resource)) {
    metricRecorder(rt.metrics, 'media').restore(run.resource, run.source.region, 'prefix-restore', [['RestoreRtoSeconds', Math.max(0, rt.now() - run.plannedAt) / 1000]]);
  }
  return recorded;
});
