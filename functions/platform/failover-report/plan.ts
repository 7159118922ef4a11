// What a region-failover (or its rehearsal) achieved, pure: per database and cache the measured RTO (the
// run's start → the resource up; validation end when it was validated in this execution) and the RPO its
// restore point implies, each against its own objectives (database; redis, or the cache's own); overall
// against objectives.regionFailover (the overall RPO over the resources whose own RPO target is within
// it, as the readiness check judges: a cache's 6 h snapshot interval is not the region's 1 h)
// — for a failover until the end of the run (maintenance mode off), for a rehearsal until the last
// component was validated (the teardown is not part of a recovery).

import type { Alert } from '../../../shared/alerts/alert.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { RUNBOOK, type FailoverCache, type FailoverDatabase, type FailoverPlan } from '../../../shared/platform/failover-run.js';

export interface RecoveredDatabase {
  readonly database: FailoverDatabase;
  readonly validation?: { readonly outcome: string; readonly finishedAt: number; readonly reportKey: string } | undefined;
}

export interface RecoveredCache {
  readonly cache: FailoverCache;
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

/** What one recovered resource reached, against its own objectives. */
function result(
  fields: Pick<ComponentResult, 'resource' | 'method' | 'instanceId' | 'restorePoint' | 'validation' | 'validationReport' | 'rtoTargetMs' | 'rpoMs' | 'rpoTargetMs'>,
  upAt: number | undefined,
  startedAt: number,
): ComponentResult {
  const rtoMs = upAt === undefined ? null : upAt - startedAt;
  const misses: string[] = [];
  if (rtoMs !== null && rtoMs > fields.rtoTargetMs) misses.push(`${fields.resource}: RTO ${minutes(rtoMs)} exceeds ${minutes(fields.rtoTargetMs)}`);
  if (fields.rpoMs !== null && fields.rpoMs > fields.rpoTargetMs) misses.push(`${fields.resource}: RPO ${minutes(fields.rpoMs)} exceeds ${minutes(fields.rpoTargetMs)}`);
  return { ...fields, rtoMs, misses };
}

const validationOf = (validation: { readonly outcome: string } | undefined, done: boolean): string => validation?.outcome ?? (done ? 'validated by the run resumed' : 'not validated');

function component(db: RecoveredDatabase, startedAt: number): ComponentResult {
  const d = db.database;
  return result(
    { resource: d.resource, method: d.method, instanceId: d.instanceId, restorePoint: new Date(d.restorePoint).toISOString(), validation: validationOf(db.validation, d.done), validationReport: db.validation?.reportKey ?? null, rtoTargetMs: d.rtoTargetMs, rpoMs: d.rpoMs, rpoTargetMs: d.rpoTargetMs },
    db.validation?.finishedAt ?? d.instance?.availableAt,
    startedAt,
  );
}

function cacheComponent(c: RecoveredCache, startedAt: number): ComponentResult {
  const d = c.cache;
  return result(
    {
      resource: d.resource,
      method: 'seed-from-export',
      instanceId: d.plan?.groupId ?? 'none',
      restorePoint: d.plan === undefined ? 'none' : new Date(d.plan.restorePoint).toISOString(),
      validation: validationOf(c.validation, d.done),
      validationReport: c.validation?.reportKey ?? null,
      rtoTargetMs: d.rtoTargetMs,
      rpoMs: d.rpoMs,
      rpoTargetMs: d.rpoTargetMs,
    },
    c.validation?.finishedAt ?? d.group?.availableAt,
    startedAt,
  );
}

export function failoverReport(policy: Policy, plan: FailoverPlan, recovered: readonly RecoveredDatabase[], teardownError: string | null, now: number, caches: readonly RecoveredCache[] = []): FailoverReport {
  const components = [...recovered.map((db) => component(db, plan.startedAt)), ...caches.map((c) => cacheComponent(c, plan.startedAt))];
  const ups = components.map((c) => c.rtoMs ?? now - plan.startedAt);
  const rtoMs = plan.mode === 'rehearsal' && ups.length > 0 ? Math.max(...ups) : now - plan.startedAt;
  const target = policy.objectives.regionFailover;
  const rpos = components.filter((c) => c.rpoTargetMs <= target.rpo).map((c) => c.rpoMs);
  const rpoMs = rpos.length === 0 || rpos.includes(null) ? null : Math.max(...(rpos as number[]));
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
    ...(teardownFailed ? [`Delete the rehearsal's bdr-rh-* instances and replication groups in ${region} by hand (${report.teardown ?? ''}).`] : []),
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
