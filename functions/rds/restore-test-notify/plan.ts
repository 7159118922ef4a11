// The alert for a failed restore test: which resource, where, what failed first and in all, the
// measured RTO/RPO against targets, where the evidence is, and what to do.

import type { Alert } from '../../../shared/alerts/alert.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { RestoreRun } from '../../../shared/rds/restore-run.js';

export function restoreTestAlert(policy: Policy, run: RestoreRun, bucket: string | undefined, now: number): Alert {
  const failures = run.verdict?.failures ?? (run.error === undefined ? ['unknown failure'] : [`${run.error.Error}: ${run.error.Cause ?? ''}`]);
  const pitr = (run.plan?.kind ?? run.kind) === 'pitr';
  const kind = pitr ? 'PITR test' : 'restore test';
  const leaked = run.teardown === undefined && run.plan !== undefined;
  const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : Math.round(ms / 1000));
  return {
    severity: 'critical',
    kind: pitr ? 'pitr-test-failed' : 'restore-test-failed',
    resource: run.plan?.resource ?? String((run.input as { resource?: string } | undefined)?.resource ?? 'unknown'),
    region: run.plan?.region ?? (pitr ? policy.regions.secondary : policy.regions.primary),
    summary: `${kind} failed: ${failures[0] ?? ''}`.slice(0, 300),
    action: leaked
      ? `The temporary instance ${run.plan?.instanceId ?? ''} may still exist: delete it (aws rds delete-db-instance --skip-final-snapshot). Then read the evidence and fix the cause.`
      : 'Read the evidence record and the execution history in the Step Functions console; a backup that cannot be restored is no backup — fix the cause and re-run the test from the console.',
    source: pitr ? 'pitr-test' : 'restore-test',
    at: now,
    details: {
      runId: run.plan?.runId ?? null,
      snapshot: run.plan?.snapshotId ?? null,
      failures: failures.join(' | ').slice(0, 1500),
      rtoSeconds: seconds(run.verdict?.rtoMs),
      rtoTargetSeconds: seconds(run.verdict?.rtoTargetMs),
      rpoSeconds: seconds(run.verdict?.rpoMs),
      rpoTargetSeconds: seconds(run.verdict?.rpoTargetMs),
      evidence: run.verdict?.evidenceKey && bucket ? `s3://${bucket}/${run.verdict.evidenceKey}` : null,
    },
  };
}
