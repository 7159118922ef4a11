// What a redis-recovery tells everyone at its end, pure: the outcome (succeeded, rejected, failed), what
// was done and what is left — the new group, the endpoint, the replaced group — what to do next, and the
// measured RTO (seeding requested → validated: how long the data took to come back; and run start →
// endpoint switched, the approval's wait included) and RPO (the restored backup's age at the start)
// against the cache's objectives. A failure is critical, a rejection (or an approval that timed out) a
// warning, a success information. The same words are the execution's report and its run record.

import type { Alert } from '../../../shared/alerts/alert.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { CacheRecoveryPlan, CacheRecoveryRun } from '../../../shared/redis/recovery-run.js';
import { formatIsoInZone } from '../../../shared/time/zone.js';

export interface CacheRecoveryReport {
  readonly outcome: CacheRecoveryRun['outcome'];
  readonly resource: string;
  readonly summary: string;
  /** What was done and what is left, in order. */
  readonly steps: readonly string[];
  readonly next: string;
  /** Seeding requested → validation finished (ms); null when the data never came back. */
  readonly rtoMs: number | null;
  /** Run planned → endpoint switched (ms), the approval's wait included; null without a switch. */
  readonly switchedAfterMs: number | null;
  readonly rtoTargetMs: number;
  /** The restored backup's age when the run was planned: the writes the recovery gives up. */
  readonly rpoMs: number | null;
  readonly rpoTargetMs: number;
  /** Where the run record is, when it was written. */
  readonly recordKey: string | null;
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** What is left of the new group after a failure or a rejection: deleted, or possibly still there. */
function groupLeft(run: CacheRecoveryRun['run'], plan: CacheRecoveryPlan): string {
  if (run.endpoint !== undefined) return `the application already uses ${plan.groupId}: it is kept`;
  if (run.teardown !== undefined) return run.teardown.detail;
  if (run.teardownError?.Error === 'CacheTeardownRefused') return `a group named ${plan.groupId} that is not this recovery's was left untouched`;
  if (run.teardownError !== undefined) return `the new group ${plan.groupId} may still exist (teardown failed: ${run.teardownError.Error}): delete it (aws elasticache delete-replication-group --replication-group-id ${plan.groupId})`;
  if (run.seeded === undefined) return 'nothing was created';
  return `the new group ${plan.groupId} is kept`;
}

function from(plan: CacheRecoveryPlan, timeZone: string): string {
  const seed = plan.seed.kind === 'snapshot' ? `snapshot ${plan.snapshotName}` : `export ${plan.seed.keys.join(', ')}`;
  return `${seed} (${formatIsoInZone(plan.restorePoint, timeZone)}, ${plan.verified ? 'verified' : 'NOT verified'})`;
}

export function cacheRecoveryReport(policy: Policy, input: CacheRecoveryRun, now: number, recordKey: string | null): CacheRecoveryReport {
  const { run, outcome } = input;
  const tz = policy.timezone;
  const plan = run.plan;
  const asked = (run.input as { cache?: unknown } | undefined)?.cache;
  const resource = plan?.resource ?? (typeof asked === 'string' ? asked : 'unknown');
  const objectives = policy.resources.caches.find((c) => c.name === resource)?.objectives ?? policy.objectives.redis;
  const steps: string[] = [];
  if (plan !== undefined) {
    steps.push(`planned: recovery of ${resource} from ${from(plan, tz)} into ${plan.groupId} (${plan.numCacheClusters} × ${plan.nodeType}, shaped from ${plan.shapedFrom === 'source' ? plan.sourceGroupId : 'the restore test settings'})`);
  }
  if (run.group !== undefined) steps.push(`seeded: ${plan?.groupId ?? '?'} at ${run.group.host}:${run.group.port}`);
  if (run.validation !== undefined) steps.push(`validated: ${run.validation.outcome} (${run.validation.checks.map((c) => `${c.name} ${c.status}`).join(', ')}; ${run.validation.keys} keys; report ${run.validation.reportKey})`);
  if (run.approval !== undefined) steps.push(`approved by ${run.approval.by ?? '?'} at ${run.approval.at ?? '?'}`);
  if (run.endpoint !== undefined) steps.push(`endpoint ${run.endpoint.target ?? ''}: ${run.endpoint.previous ?? '(none)'} → ${run.endpoint.current ?? '?'}`);
  if (run.retired !== undefined) steps.push(`replaced group: ${run.retired.detail}`);
  if (plan !== undefined && outcome !== 'succeeded') steps.push(`left: ${groupLeft(run, plan)}`);

  const rtoMs = run.seeded !== undefined && run.validation !== undefined && run.validation.outcome !== 'failed' ? run.validation.finishedAt - run.seeded.requestedAt : null;
  const switchedAfterMs = plan !== undefined && run.endpoint !== undefined ? now - plan.plannedAt : null;
  const rpoMs = plan === undefined ? null : Math.max(0, plan.plannedAt - plan.restorePoint);
  if (rtoMs !== null) steps.push(`RTO ${minutes(rtoMs)} from seeding to validated (target ${minutes(objectives.rto)})${rtoMs > objectives.rto ? ': MISSED' : ''}`);
  if (rpoMs !== null) steps.push(`RPO ${minutes(rpoMs)}: the backup's age when the recovery began (target ${minutes(objectives.rpo)})${rpoMs > objectives.rpo ? ': MISSED' : ''}`);

  const failure = run.error === undefined ? 'unknown failure' : `${run.error.Error}: ${run.error.Cause ?? ''}`.slice(0, 300);
  const rejected = run.rejection?.Error === 'States.Timeout' ? `no approval within ${minutes(policy.recovery?.approvalTimeout ?? 3_600_000)}` : 'rejected';
  const switched = run.endpoint !== undefined;
  const summary = {
    succeeded: `cache recovery done: the application now uses ${plan?.groupId ?? '?'} (${resource} as of ${plan === undefined ? '?' : formatIsoInZone(plan.restorePoint, tz)})`,
    rejected: `cache recovery not approved (${rejected}): ${plan?.groupId ?? 'the new group'} deleted, production unchanged`,
    failed: `cache recovery of ${resource} failed${switched ? ' after the endpoint switch' : ''}: ${failure}`,
  }[outcome];
  const next = {
    succeeded: `Watch the application. Point the policy's replicationGroupId for ${resource} at ${plan?.groupId ?? 'the new group'} (its snapshots, exports and tests follow it). ${plan?.sourceGroupId ?? 'The old group'} is kept, tagged, until its keep-until: delete it then, with a final snapshot. To go back: switch the endpoint to ${plan?.sourceAddress ?? 'the old group'}.`,
    rejected: 'Nothing irreversible was done. Start the recovery again to ask once more.',
    failed: switched
      ? `The application already points at ${plan?.groupId ?? 'the new group'}; the old group ${plan?.sourceGroupId ?? ''} was not tagged as replaced: check it, and read the execution's history.`
      : 'Production was not changed. Read the execution history in the Step Functions console, fix the cause, and start the recovery again.',
  }[outcome];
  return {
    outcome,
    resource,
    summary: summary.slice(0, 300),
    steps,
    next,
    rtoMs,
    switchedAfterMs,
    rtoTargetMs: objectives.rto,
    rpoMs,
    rpoTargetMs: objectives.rpo,
    recordKey,
  };
}

export function cacheRecoveryAlert(policy: Policy, input: CacheRecoveryRun, report: CacheRecoveryReport, now: number): Alert {
  const severity = report.outcome === 'failed' ? 'critical' : report.outcome === 'rejected' ? 'warning' : 'info';
  return {
    severity,
    kind: `redis-recovery-${report.outcome}`,
    resource: report.resource,
    region: input.run.plan?.region ?? policy.regions.primary,
    summary: report.summary,
    action: report.next,
    source: 'redis-recovery',
    at: now,
    details: {
      execution: input.run.plan?.execution ?? input.run.execution ?? null,
      steps: report.steps.join(' | ').slice(0, 1500),
      rtoSeconds: report.rtoMs === null ? null : Math.round(report.rtoMs / 1000),
      rpoSeconds: report.rpoMs === null ? null : Math.round(report.rpoMs / 1000),
      record: report.recordKey,
    },
  };
}

/** Where a run's record is kept in the reports bucket (not under evidence/: that is the restore tests'). */
export function recoveryRecordKey(runId: string): string {
  return `runs/redis-recovery/${runId}.json`;
}
