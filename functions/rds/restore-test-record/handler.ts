// restore-test-record: writes the evidence, returns the verdict, emits the outcome, RTO and RPO of the
// test (resource, the region it ran in, kind snapshot | pitr). A run that never learnt which database it
// tested (no plan, no resource in its input) has nothing to be counted against: its execution failed,
// which its alarm and the notify step report.
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { restoreRun } from '../../../shared/rds/restore-run.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { recordRestoreTest } from './restore-test-record.js';

const OUTCOME_METRIC = { passed: 'RestoreTestPassed', failed: 'RestoreTestFailed', inconclusive: 'RestoreTestInconclusive' } as const;

export const handler = stepHandler(restoreRun, async (run, rt) => {
  const verdict = await recordRestoreTest({ policy: rt.policy, s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket), log: rt.log, now: rt.now }, run);
  const asked = (run.input as { resource?: unknown } | null | undefined)?.resource;
  const resource = rt.policy.resources.databases.find((db) => db.name === (run.plan?.resource ?? asked))?.name;
  const kind = run.plan?.kind ?? run.kind;
  if (resource === undefined || kind === undefined) {
    rt.log.warn('restore test of no known database: no metrics', { resource: run.plan?.resource ?? (typeof asked === 'string' ? asked : null), kind: kind ?? null });
    return verdict;
  }
  metricRecorder(rt.metrics, 'rds').restore(resource, rt.region, kind, [
    [OUTCOME_METRIC[verdict.outcome], 1],
    ['RestoreRtoSeconds', verdict.rtoMs === null ? null : verdict.rtoMs / 1000],
    ['RestoreRpoSeconds', verdict.rpoMs === null ? null : verdict.rpoMs / 1000],
  ]);
  return verdict;
});
