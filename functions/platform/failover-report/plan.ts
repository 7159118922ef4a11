// What a region-failover (or its rehearsal) achieved, pure: per database the measured RTO (the run's
// start → the database up; validation end when it was validated in this execution) and the RPO its
// restore point implies, each against the database objectives; overall against objectives.regionFailover
// — for a failover until the end of the run (maintenance mode off), for a rehearsal until the last
// component was validated (the teardown is not part of a recovery).

import type { Alert } from '../../../shared/alerts/alert.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { RUNBOOK, type FailoverDatabase, type FailoverPlan } from '../../../shared/platform/failover-run.js';

export interface RecoveredDatabase {
  readonly database: FailoverDatabase;
  readonly validation?: { readonly outcome: string; readonly finishedAt: number; readonly reportKey: string } | undefined;
}

export interface ComponentResult {
  readonly resource: string;
  readonly method: string;
  readonly instanceId: string;
  readonly restorePoint: string;
  readonly validation: string;
  readonly validationReport: string | null;
  readonly rtoMs: number | null;
  readonly rtoTargetMs: number;
  readonly rpoMs: number | null;
  readonly rpoTargetMs: number;
  readonly misses: string[];
}

export interface FailoverReport {
  readonly runId: string;
  readonly mode: FailoverPlan['mode'];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly rtoMs: number;
  readonly rtoTargetMs: number;
  readonly rpoMs: number | null;
  readonly rpoTargetMs: number;
  readonly components: ComponentResult[];
  readonly misses: string[];
  readonly teardown: string | null;
  readonly outcome: 'met' | 'missed';
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

function component(db: RecoveredDatabase, startedAt: number): ComponentResult {
  const d = db.database;
  const upAt = db.validation?.finishedAt ?? d.instance?.availableAt;
  const rtoMs = upAt === undefined ? null : upAt - startedAt;
  const misses: string[] = [];
  if (rtoMs !== null && rtoMs > d.rtoTargetMs) misses.push(`${d.resource}: RTO ${minutes(rtoMs)} exceeds ${minutes(d.rtoTargetMs)}`);
  if (d.rpoMs !== null && d.rpoMs > d.rpoTargetMs) misses.push(`${d.resource}: RPO ${minutes(d.rpoMs)} exceeds ${minutes(d.rpoTargetMs)}`);
  return {
    resource: d.resource,
    method: d.method,
    instanceId: d.instanceId,
    restorePoint: new Date(d.restorePoint).toISOString(),
    validation: db.validation?.outcome ?? (d.done ? 'validated by the run resumed' : 'not validated'),
    validationReport: db.validation?.reportKey ?? null,
    rtoMs,
    rtoTargetMs: d.rtoTargetMs,
    rpoMs: d.rpoMs,
    rpoTargetMs: d.rpoTargetMs,
    misses,
  };
}

export function failoverReport(policy: Policy, plan: FailoverPlan, recovered: readonly RecoveredDatabase[], teardownError: string | null, now: number): FailoverReport {
  const components = recovered.map((db) => component(db, plan.startedAt));
  const ups = components.map((c) => c.rtoMs ?? now - plan.startedAt);
  const rtoMs = plan.mode === 'rehearsal' && ups.length > 0 ? Math.max(...ups) : now - plan.startedAt;
  const rpos = components.map((c) => c.rpoMs);
  const rpoMs = rpos.length === 0 || rpos.includes(null) ? null : Math.max(...(rpos as number[]));
  const target = policy.objectives.regionFailover;
  const misses = components.flatMap((c) => c.misses);
  if (rtoMs > target.rto) misses.push(`overall RTO ${minutes(rtoMs)} exceeds objectives.regionFailover.rto ${minutes(target.rto)}`);
  if (rpoMs !== null && rpoMs > target.rpo) misses.push(`overall RPO ${minutes(rpoMs)} exceeds objectives.regionFailover.rpo ${minutes(target.rpo)}`);
  return {
    runId: plan.runId,
    mode: plan.mode,
    startedAt: new Date(plan.startedAt).toISOString(),
    finishedAt: new Date(now).toISOString(),
    rtoMs,
    rtoTargetMs: target.rto,
    rpoMs,
    rpoTargetMs: target.rpo,
    components,
    misses,
    teardown: plan.mode === 'rehearsal' ? (teardownError ?? 'deleted what the rehearsal created') : null,
    outcome: misses.length === 0 ? 'met' : 'missed',
  };
}

export function reportAlert(report: FailoverReport, region: string, evidence: string, teardownFailed: boolean, now: number): Alert {
  const rpo = report.rpoMs === null ? 'RPO unknown (a promoted replica: see its ReplicaLag)' : `RPO ${minutes(report.rpoMs)}`;
  const summary = `${report.mode} ${report.runId} finished: RTO ${minutes(report.rtoMs)}, ${rpo}${report.outcome === 'missed' ? ' — objectives MISSED' : ''}${teardownFailed ? ' — TEARDOWN FAILED' : ''}`;
  const actions = [
    ...(report.outcome === 'missed' ? [`Objectives missed: ${report.misses.join('; ')}.`] : []),
    ...(teardownFailed ? [`Delete the rehearsal's bdr-rh-* instances in ${region} by hand (${report.teardown ?? ''}).`] : []),
  ];
  return {
    severity: report.outcome === 'missed' || teardownFailed ? 'warning' : 'info',
    kind: `${RUNBOOK}-report`,
    resource: RUNBOOK,
    region,
    summary,
    action: actions.length > 0 ? actions.join(' ') : `Nothing to do. Evidence: ${evidence}.`,
    source: RUNBOOK,
    at: now,
    details: { run: report.runId, mode: report.mode, evidence, rtoMs: report.rtoMs, rpoMs: report.rpoMs },
  };
}
