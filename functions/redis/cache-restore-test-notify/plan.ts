// The alert for a cache restore test that did not pass: which cache, where, what failed (or what could
// not be proven), the measured RTO/RPO against targets, where the evidence and the validation report are,
// and what to do. Failed is critical; inconclusive a warning — the backup is unproven until the gap is fixed.

import type { Alert } from '../../../shared/alerts/alert.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { requestedResource, type CacheRestoreRun } from '../../../shared/redis/restore-run.js';

export function cacheRestoreAlert(policy: Policy, run: CacheRestoreRun, bucket: string | undefined, now: number): Alert {
  const inconclusive = run.verdict?.outcome === 'inconclusive';
  const reasons = inconclusive ? (run.verdict?.inconclusive ?? []) : (run.verdict?.failures ?? (run.error === undefined ? ['unknown failure'] : [`${run.error.Error}: ${run.error.Cause ?? ''}`]));
  const leaked = run.teardown === undefined && run.plan !== undefined;
  const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : Math.round(ms / 1000));
  const s3 = (key: string | null | undefined) => (key && bucket ? `s3://${bucket}/${key}` : null);
  return {
    severity: inconclusive ? 'warning' : 'critical',
    kind: `cache-restore-test-${inconclusive ? 'inconclusive' : 'failed'}`,
    resource: requestedResource(run),
    region: run.plan?.region ?? policy.regions.primary,
    summary: `cache restore test ${inconclusive ? 'inconclusive' : 'failed'}: ${reasons[0] ?? ''}`.slice(0, 300),
    action: leaked
      ? `The temporary group ${run.plan?.groupId ?? ''} may still exist: delete it (aws elasticache delete-replication-group --replication-group-id ${run.plan?.groupId ?? ''}). Then read the evidence and fix the cause.`
      : inconclusive
        ? 'The cache was restored but its data not proven: make sure capture-cache-manifest runs with every snapshot (and its manifests replicate to this region), then re-run the test from the Step Functions console.'
        : 'Read the evidence and the execution history in the Step Functions console; a cache backup that cannot be restored is no backup — fix the cause (the export, its grants, the seeding) and re-run the test.',
    source: 'cache-restore-test',
    at: now,
    details: {
      runId: run.plan?.runId ?? null,
      snapshot: run.plan?.snapshotName ?? null,
      outcome: run.verdict?.outcome ?? 'failed',
      [inconclusive ? 'inconclusive' : 'failures']: reasons.join(' | ').slice(0, 1500),
      rtoSeconds: seconds(run.verdict?.rtoMs),
      rtoTargetSeconds: seconds(run.verdict?.rtoTargetMs),
      rpoSeconds: seconds(run.verdict?.rpoMs),
      rpoTargetSeconds: seconds(run.verdict?.rpoTargetMs),
      evidence: s3(run.verdict?.evidenceKey),
      validationReport: s3(run.validation?.reportKey),
    },
  };
}
