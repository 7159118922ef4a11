// cache-restore-test-record: writes the evidence, returns the verdict, emits the outcome, RTO and RPO of
// the test (resource, the region it ran in, kind cache-restore). A run that never learnt which cache it
// tested has nothing to be counted against: its execution failed, which its alarm and the notify step report.
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { cacheRestoreRun, requestedResource } from '../../../shared/redis/restore-run.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { recordCacheRestoreTest } from './cache-restore-test-record.js';

const OUTCOME_METRIC = { passed: 'RestoreTestPassed', failed: 'RestoreTestFailed', inconclusive: 'RestoreTestInconclusive' } as const;

export const handler = stepHandler(cacheRestoreRun, async (run, rt) => {
  const verdict = await recordCacheRestoreTest({ policy: rt.policy, s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket), log: rt.log, now: rt.now }, run);
  const resource = rt.policy.resources.caches.find((cache) => cache.name === requestedResource(run))?.name;
  if (resource === undefined) {
    rt.log.warn('restore test of no known cache: no metrics', { resource: requestedResource(run) });
    return verdict;
  }
  metricRecorder(rt.metrics, 'redis').restore(resource, rt.region, 'cache-restore', [
    [OUTCOME_METRIC[verdict.outcome], 1],
    ['RestoreRtoSeconds', verdict.rtoMs === null ? null : verdict.rtoMs / 1000],
    ['RestoreRpoSeconds', verdict.rpoMs === null ? null : verdict.rpoMs / 1000],
  ]);
  return verdict;
});
