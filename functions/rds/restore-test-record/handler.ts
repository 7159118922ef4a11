// restore-test-record: writes the evidence, returns the verdict, emits RTO/RPO metrics.
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { restoreRun } from '../../../shared/rds/restore-run.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { recordMetrics } from '../../../shared/runtime/metric-records.js';
import { MetricUnit, stepHandler } from '../../../shared/runtime/step.js';
import { recordRestoreTest } from './restore-test-record.js';

const OUTCOME_METRIC = { passed: 'RestoreTestPassed', failed: 'RestoreTestFailed', inconclusive: 'RestoreTestInconclusive' } as const;

export const handler = stepHandler(
  restoreRun,
  async (run, rt) => {
    const verdict = await recordRestoreTest({ policy: rt.policy, s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket), log: rt.log, now: rt.now }, run);
    recordMetrics(rt.metrics, { resource: run.plan?.resource ?? 'unknown', kind: run.plan?.kind ?? 'unknown' }, [
      [OUTCOME_METRIC[verdict.outcome], MetricUnit.Count, 1],
      ['RestoreRtoSeconds', MetricUnit.Seconds, verdict.rtoMs === null ? null : verdict.rtoMs / 1000],
      ['RestoreRpoSeconds', MetricUnit.Seconds, verdict.rpoMs === null ? null : verdict.rpoMs / 1000],
    ]);
    return verdict;
  },
);
