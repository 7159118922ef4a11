// What a database-recovery tells everyone at its end, pure: the outcome (succeeded, dry run, rejected,
// failed), what was done and what is left — the new instance, the endpoint, the replaced instance, the
// recovery schema with the SQL to merge it — and what to do next. A failure is critical, a rejection (or
// an approval that timed out) a warning, a success or a plan information; every one goes to the alerts
// topic. The same words are the execution's report.

import * as z from 'zod/mini';
import type { Alert } from '../../../shared/alerts/alert.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { recoveryPlan, type RecoveryPlan } from '../../../shared/rds/recovery-run.js';
import { instanceReady, restoreStarted, stepError, teardownResult, validationSummary } from '../../../shared/rds/restore-run.js';
import { formatIsoInZone } from '../../../shared/time/zone.js';

const copied = z.object({
  schema: z.string(),
  tables: z.array(z.object({ table: z.string(), recoveredAs: z.string(), rowsInBackup: z.number(), rowsCopied: z.number(), inProduction: z.boolean(), mergeSql: z.string() })),
});

/** The execution's state document as the Notify step receives it (`$`), with the outcome the ASL names. */
export const recoveryRun = z.object({
  outcome: z.enum(['succeeded', 'dry-run', 'rejected', 'failed']),
  run: z.object({
    input: z.optional(z.unknown()),
    plan: z.optional(recoveryPlan),
    restore: z.optional(restoreStarted),
    instance: z.optional(instanceReady),
    validation: z.optional(validationSummary),
    copy: z.optional(copied),
    approval: z.optional(z.object({ approved: z.boolean(), by: z.optional(z.string()), at: z.optional(z.string()) })),
    endpoint: z.optional(z.looseObject({ target: z.optional(z.string()), previous: z.optional(z.nullable(z.string())), current: z.optional(z.string()) })),
    retired: z.optional(z.object({ instanceId: z.string(), keepUntil: z.string(), stopped: z.boolean(), detail: z.string() })),
    teardown: z.optional(teardownResult),
    error: z.optional(stepError),
    teardownError: z.optional(stepError),
    rejection: z.optional(stepError),
  }),
});
export type RecoveryRun = z.output<typeof recoveryRun>;

export interface RecoveryReport {
  readonly outcome: RecoveryRun['outcome'];
  readonly resource: string;
  readonly mode: string | null;
  readonly summary: string;
  /** What was done and what is left, in order. */
  readonly steps: readonly string[];
  readonly next: string;
  /** Partial: the SQL to merge each recovered table (never run by the recovery). */
  readonly mergeSql: readonly string[];
  readonly durationSeconds: number | null;
}

function restoredFrom(plan: RecoveryPlan, timeZone: string): string {
  return plan.kind === 'pitr' ? `${plan.sourceInstanceId} as of ${formatIsoInZone(plan.restorePoint, timeZone)}` : `snapshot ${plan.snapshotId ?? '?'} (${formatIsoInZone(plan.restorePoint, timeZone)})`;
}

/** What is left of the new instance after a failure: deleted, or possibly still there. */
function instanceLeft(run: RecoveryRun['run'], plan: RecoveryPlan): string {
  if (run.restore === undefined && run.teardown?.deleted !== true) return 'nothing was created';
  if (run.teardown !== undefined) return run.teardown.detail;
  if (run.teardownError !== undefined) return `the new instance ${plan.instanceId} may still exist (teardown failed: ${run.teardownError.Error}): delete it (aws rds delete-db-instance --db-instance-identifier ${plan.instanceId} --skip-final-snapshot)`;
  return `the new instance ${plan.instanceId} is kept`;
}

export function recoveryReport(policy: Policy, input: RecoveryRun, now: number): RecoveryReport {
  const { run, outcome } = input;
  const tz = policy.timezone;
  const plan = run.plan;
  const named = (run.input as { resource?: unknown } | undefined)?.resource;
  const resource = plan?.resource ?? (typeof named === 'string' ? named : 'unknown');
  const mode = plan?.mode ?? null;
  const steps: string[] = [];
  if (plan !== undefined) steps.push(`planned: ${plan.mode} recovery of ${resource} from ${restoredFrom(plan, tz)} into ${plan.instanceId}${plan.recoverySchema === undefined ? '' : `, tables ${plan.tables.join(', ')} into ${plan.recoverySchema}`}`);
  if (run.instance !== undefined) steps.push(`restored: ${plan?.instanceId ?? '?'} at ${run.instance.address}:${run.instance.port}`);
  if (run.validation !== undefined) steps.push(`validated: ${run.validation.outcome} (${run.validation.counts.passed} passed, ${run.validation.counts.failed} failed, ${run.validation.counts.inconclusive} inconclusive; report ${run.validation.reportKey})`);
  for (const t of run.copy?.tables ?? []) steps.push(`recovered ${t.table} → ${t.recoveredAs}: ${t.rowsCopied} of ${t.rowsInBackup} rows${t.inProduction ? '' : ` (${t.table} no longer exists in production)`}`);
  if (run.approval !== undefined) steps.push(`approved by ${run.approval.by ?? '?'} at ${run.approval.at ?? '?'}`);
  if (run.endpoint !== undefined) steps.push(`endpoint ${run.endpoint.target ?? ''}: ${run.endpoint.previous ?? '(none)'} → ${run.endpoint.current ?? '?'}`);
  if (run.retired !== undefined) steps.push(`replaced instance: ${run.retired.detail}`);
  if (plan !== undefined && outcome !== 'succeeded' && outcome !== 'dry-run') steps.push(`left: ${instanceLeft(run, plan)}`);
  else if (run.teardown !== undefined) steps.push(`temporary instance: ${run.teardown.detail}`);
  if (run.teardownError !== undefined && outcome === 'succeeded') steps.push(`temporary instance ${plan?.instanceId ?? '?'} may still exist: teardown failed (${run.teardownError.Error})`);

  const failure = run.error === undefined ? 'unknown failure' : `${run.error.Error}: ${run.error.Cause ?? ''}`.slice(0, 300);
  const rejected = run.rejection?.Error === 'States.Timeout' ? `no approval within ${Math.round((policy.recovery?.approvalTimeout ?? 3_600_000) / 60_000)} min` : 'rejected';
  const switched = run.endpoint !== undefined;
  const summary = {
    succeeded:
      mode === 'partial'
        ? `partial recovery done: ${run.copy?.tables.length ?? 0} table(s) in ${plan?.recoverySchema ?? '?'}, to review and merge`
        : mode === 'full'
          ? `full recovery done: the application now uses ${plan?.instanceId ?? '?'}`
          : `point-in-time recovery done: ${plan?.instanceId ?? '?'} holds ${resource} as of ${plan === undefined ? '?' : formatIsoInZone(plan.restorePoint, tz)}`,
    'dry-run': `dry run: would recover ${resource} (${mode ?? '?'}) from ${plan === undefined ? '?' : restoredFrom(plan, tz)}; nothing was created`,
    rejected: `full recovery not approved (${rejected}): ${plan?.instanceId ?? '?'} restored and validated, production unchanged`,
    failed: `${mode ?? 'database'} recovery failed${switched ? ' after the endpoint switch' : ''}: ${failure}`,
  }[outcome];
  const next = {
    succeeded:
      mode === 'partial'
        ? 'Review the recovered rows in the recovery schema, then run the merge SQL below yourself (it only inserts rows whose keys are missing); drop the schema when done.'
        : mode === 'full'
          ? `Watch the application; turn on deletion protection and backups for ${plan?.instanceId ?? 'the new instance'}, and point the policy's instanceId at it. To go back: switch the endpoint to ${plan?.sourceAddress ?? 'the old instance'} after starting ${plan?.sourceInstanceId ?? 'it'}.`
          : `Connect to ${plan?.instanceId ?? 'the new instance'} (the source's master credentials) to read or copy what you need; delete it when done (it is billed, and not deleted by backup-dr).`,
    'dry-run': 'Start the execution again without "dryRun" to recover.',
    rejected: `Nothing irreversible was done. Delete ${plan?.instanceId ?? 'the new instance'} if it is not needed, or start the recovery again to ask once more.`,
    failed: switched
      ? `The application already points at ${plan?.instanceId ?? 'the new instance'}; the old instance ${plan?.sourceInstanceId ?? ''} was not retired: check it, then stop it by hand. Read the execution's history.`
      : 'Production was not changed. Read the execution history in the Step Functions console, fix the cause, and start the recovery again.',
  }[outcome];
  return {
    outcome,
    resource,
    mode,
    summary: summary.slice(0, 300),
    steps,
    next,
    mergeSql: run.copy?.tables.map((t) => t.mergeSql) ?? [],
    durationSeconds: plan === undefined ? null : Math.round((now - plan.plannedAt) / 1000),
  };
}

export function recoveryAlert(policy: Policy, input: RecoveryRun, report: RecoveryReport, now: number): Alert {
  const severity = report.outcome === 'failed' ? 'critical' : report.outcome === 'rejected' ? 'warning' : 'info';
  return {
    severity,
    kind: `database-recovery-${report.outcome}`,
    resource: report.resource,
    region: input.run.plan?.region ?? policy.regions.primary,
    summary: report.summary,
    action: report.next,
    source: 'database-recovery',
    at: now,
    details: {
      execution: input.run.plan?.execution ?? null,
      mode: report.mode,
      steps: report.steps.join(' | ').slice(0, 1500),
      mergeSql: report.mergeSql.length === 0 ? null : report.mergeSql.join('\n').slice(0, 1500),
      durationSeconds: report.durationSeconds,
    },
  };
}
