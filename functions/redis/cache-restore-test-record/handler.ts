// cache-restore-test-record: writes the evidence, returns the verdict, emits RTO/RPO metrics.
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { cacheRestoreRun } from '../../../shared/redis/restore-run.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { MetricUnit, stepHandler } from '../../../shared/runtime/step.js';
import { recordCacheRestoreTest } from './cache-restore-test-record.js';

const OUTCOME_METRIC = { passed: 'RestoreTestPassed', failed: 'RestoreTestFailed', inconclusive: 'RestoreTestInconclusive' } as const;

export const handler = stepHandler(cacheRestoreRun, async (run, rt) => {
  const verdict = await recordCacheRestoreTest({ policy: rt.policy, s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket), log: rt.log, now: rt.now }, run);
  const metric = rt.metrics.singleMetric();
  metric.addDimension('resource', run.plan?.resource ?? 'unknown');
  metric.addDimension('kind', 'cache-restore');
  metric.addMetric(OUTCOME_METRIC[verdict.outcome], MetricUnit.Count, 1);
  if (verdict.rtoMs !== null) metric.addMetric('RestoreRtoSeconds', MetricUnit.Seconds, verdict.rtoMs / 1000);
  if (verdict.rpoMs !== null) metric.addMetric('RestoreRpoSeconds', MetricUnit.Seconds, verdict.rpoMs / 1000);
  return verdict;
});
