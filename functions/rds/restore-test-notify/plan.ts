// The alert for a restore test that did not pass: which resource, where, what failed (or, for an
// inconclusive test, what could not be proven) first and in all, the measured RTO/RPO against targets,
// where the evidence and the validation report are, and what to do. Failed is critical; inconclusive is a
// warning — nothing is known to be wrong, but the backup is unproven until the gap is fixed.

import type { Alert } from '../../../shared/alerts/alert.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { RestoreRun } from '../../../shared/rds/restore-run.js';

const INCONCLUSIVE_ACTION =
  'The backup was restored but not proven: a check the policy requires could not run or had nothing to compare (see the evidence). ' +
  'Fix what it names — a manifest captured with every snapshot (capture-db-manifest, and its replication to this region), the amcheck extension ' +
  '(or validation.amcheck: false), validation.freshness with a table and column — then re-run the test from the Step Functions console.';

export function restoreTestAlert(policy: Policy, run: RestoreRun, bucket: string | undefined, now: number): Alert {
  const inconclusive = run.verdict?.outcome === 'inconclusive';
  const reasons = inconclusive
    ? (run.verdict?.inconclusive ?? [])
    : (run.verdict?.failures ?? (run.error === undefined ? ['unknown failure'] : [`${run.error.Error}: ${run.error.Cause ?? ''}`]));
  const pitr = (run.plan?.kind ?? run.kind) === 'pitr';
  const test = pitr ? 'PITR test' : 'restore test';
  const leaked = run.teardown === undefined && run.plan !== undefined;
  const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : Math.round(ms / 1000));
  const s3 = (key: string | null | undefined) => (key && bucket ? `s3://${bucket}/${key}` : null);
  return {
    severity: inconclusive ? 'warning' : 'critical',
    kind: `${pitr ? 'pitr-test' : 'restore-test'}-${inconclusive ? 'inconclusive' : 'failed'}`,
    resource: run.plan?.resource ?? String((run.input as { resource?: string } | undefined)?.resource ?? 'unknown'),
    region: run.plan?.region ?? (pitr ? policy.regions.secondary : policy.regions.primary),
    summary: `${test} ${inconclusive ? 'inconclusive' : 'failed'}: ${reasons[0] ?? ''}`.slice(0, 300),
    action: leaked
      ? `The temporary instance ${run.plan?.instanceId ?? ''} may still exist: delete it (aws rds delete-db-instance --skip-final-snapshot). Then read the evidence and fix the cause.`
      : inconclusive
        ? INCONCLUSIVE_ACTION
        : 'Read the evidence record and the execution history in the Step Functions console; a backup that cannot be restored is no backup — fix the cause and re-run the test from the console.',
    source: pitr ? 'pitr-test' : 'restore-test',
    at: now,
    details: {
      runId: run.plan?.runId ?? null,
      snapshot: run.plan?.snapshotId ?? null,
      outcome: run.verdict?.outcome ?? 'failed',
      [inconclusive ? 'inconclusive' : 'failures']: reasons.join(' | ').slice(0, 1500),
      warnings: run.validation === undefined || run.validation.warnings.length === 0 ? null : run.validation.warnings.join(' | ').slice(0, 500),
      rtoSeconds: seconds(run.verdict?.rtoMs),
      rtoTargetSeconds: seconds(run.verdict?.rtoTargetMs),
      rpoSeconds: seconds(run.verdict?.rpoMs),
      rpoTargetSeconds: seconds(run.verdict?.rpoTargetMs),
      evidence: s3(run.verdict?.evidenceKey),
      validationReport: s3(run.validation?.reportKey),
    },
  };
}
