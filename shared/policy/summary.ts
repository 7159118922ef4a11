// What a policy implies, in figures: per resource its next run, its retention in words and the number
// of snapshots each region holds in steady state; per region the RDS manual-snapshot quota use.

import { InvalidPolicy, RetentionRefused } from '../errors.js';
import { maxRunsPerDay, SNAPSHOTS_PER_NODE_PER_DAY } from '../redis/snapshot-limit.js';
import { formatRules } from '../retention/describe.js';
import { assertPolicyAcceptable } from '../retention/plan.js';
import { steadyStateCount } from '../retention/projection.js';
import { neverFiresReason, nextOccurrence, parseScheduleExpression, scheduleRuns } from '../schedule/expression.js';
import { listResources, retentionPolicyFor, type RegionRole } from './load.js';
import type { Policy } from './schema.js';

export interface ResourceSummary {
  readonly kind: string;
  readonly name: string;
  readonly source: string;
  readonly schedule: string | null;
  readonly nextRun: number | null;
  readonly retention: string;
  /** Peak snapshot count per region role once the policy has filled; null inside = unbounded. */
  readonly steadyState: { readonly primary: number | null; readonly secondary: number | null } | null;
}

export interface PolicySummary {
  readonly name: string;
  readonly timezone: string;
  readonly regions: Policy['regions'];
  readonly resources: readonly ResourceSummary[];
  readonly objectives: readonly { component: string; rpo: string; rto: string }[];
  readonly rdsQuota: readonly { region: string; snapshots: number | null; quota: number }[];
  readonly warnings: readonly string[];
}

function formatMs(ms: number): string {
  if (ms === 0) return '0 (real time)';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

function sourceOf(policy: Policy, kind: string, name: string): string {
  const r = policy.resources;
  if (kind === 'databases') return `rds:${r.databases.find((d) => d.name === name)?.instanceId ?? ''}`;
  if (kind === 'caches') return `elasticache:${r.caches.find((c) => c.name === name)?.replicationGroupId ?? ''}`;
  if (kind === 'buckets') {
    const b = r.buckets.find((x) => x.name === name);
    return `s3:${b?.bucket ?? ''} → ${b?.replicaBucket ?? ''}${b?.archiveBucket ? ` + ${b.archiveBucket}` : ''}`;
  }
  const c = r.configuration.find((x) => x.name === name);
  return `ssm:${(c?.ssmParameterPaths ?? []).join(',')} secrets:${(c?.secrets ?? []).join(',')}`;
}

/**
 * Every schedule expression in the policy with its field path: the values of keys named `schedule` or
 * ending in `Schedule` (resources.databases[0].schedule, rds.pruneSchedule, …restoreTest.schedule).
 */
export function scheduleFields(policy: Policy): { path: string; expression: string }[] {
  const found: { path: string; expression: string }[] = [];
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, `${path}[${index}]`));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        const itemPath = path === '' ? key : `${path}.${key}`;
        if ((key === 'schedule' || key.endsWith('Schedule')) && typeof item === 'string') found.push({ path: itemPath, expression: item });
        else visit(item, itemPath);
      }
    }
  };
  visit(policy, '');
  return found;
}

/**
 * Throws InvalidPolicy naming every schedule field that never fires after `now` in the policy's zone
 * (its year field has passed, or every time it names falls in a DST gap), and every cache schedule that
 * asks ElastiCache for more snapshots in 24 hours than it takes of a node. The schema already refuses an
 * expression that names no date at all (31 FEB); these need the clock or a year of runs, so they are
 * checked here — by `policy check` and at package time — and not at cold start, where a policy would
 * turn invalid by itself once its last year had passed (and no Lambda needs the count).
 */
export function assertSchedulesFire(policy: Policy, now: number): void {
  const problems = scheduleFields(policy).flatMap(({ path, expression }) => {
    const reason = neverFiresReason(parseScheduleExpression(expression, path), policy.timezone, now);
    return reason === null ? [] : [`${path}: ${reason}`];
  });
  policy.resources.caches.forEach((cache, index) => {
    const runs = maxRunsPerDay(cache.schedule, policy.timezone);
    if (runs > SNAPSHOTS_PER_NODE_PER_DAY) {
      problems.push(`resources.caches[${index}].schedule: runs ${runs} or more times in 24 hours: ElastiCache takes at most ${SNAPSHOTS_PER_NODE_PER_DAY} manual snapshots per node in 24 hours`);
    }
  });
  if (problems.length > 0) throw new InvalidPolicy(problems.join('\n'));
}

/**
 * Throws InvalidPolicy, naming the field, when a schedule never fires after `now` or a retention keeps
 * nothing or breaks its floor.
 */
export function summarisePolicy(policy: Policy, now: number): PolicySummary {
  assertSchedulesFire(policy, now);
  const tz = policy.timezone;
  const warnings: string[] = [];
  const resources = listResources(policy).map((resource): ResourceSummary => {
    const base = { kind: resource.kind, name: resource.name, source: sourceOf(policy, resource.kind, resource.name) };
    if (resource.kind === 'buckets' || resource.schedule === undefined) {
      const lifecycle = policy.resources.buckets.find((b) => b.name === resource.name)?.lifecycle ?? {};
      const steps = Object.entries(lifecycle).map(([k, d]) => `${k.replace('After', '')} ${d.years ? `${d.years}y` : ''}${d.months ? `${d.months}m` : ''}${d.days ? `${d.days}d` : ''}`);
      const kept = 'noncurrentExpireAfter' in lifecycle ? 'current versions' : 'all versions';
      return { ...base, schedule: null, nextRun: null, retention: `${kept}; ${steps.join(', ') || 'no lifecycle'}`, steadyState: null };
    }
    const schedule = parseScheduleExpression(resource.schedule);
    const nextRun = (after: number) => nextOccurrence(schedule, tz, after);
    const count = (role: RegionRole): number | null => {
      const retention = retentionPolicyFor(policy, resource, role);
      try {
        assertPolicyAcceptable(retention);
      } catch (error) {
        if (!(error instanceof RetentionRefused)) throw error;
        const index = (policy.resources[resource.kind] as { name: string }[]).findIndex((r) => r.name === resource.name);
        const field = `resources.${resource.kind}[${index}].retention${role === 'secondary' && resource.retention?.secondary !== undefined ? '.secondary' : ''}`;
        throw new InvalidPolicy(`${field} ("${resource.name}"): ${error.message}`, { cause: error });
      }
      return steadyStateCount(retention.keep, tz, scheduleRuns(schedule, tz), now).max;
    };
    const primary = retentionPolicyFor(policy, resource, 'primary');
    const secondary = retentionPolicyFor(policy, resource, 'secondary');
    if (primary.override !== undefined) warnings.push(`${resource.name}: compliance override in use: ${primary.override}`);
    const sameInBoth = resource.retention?.secondary === undefined;
    const primaryCount = count('primary');
    const secondaryCount = sameInBoth ? primaryCount : count('secondary');
    const retention = sameInBoth ? formatRules(primary.keep) : `${formatRules(primary.keep)}; secondary: ${formatRules(secondary.keep)}`;
    return { ...base, schedule: resource.schedule, nextRun: nextRun(now), retention, steadyState: { primary: primaryCount, secondary: secondaryCount } };
  });

  const quota = policy.rds.manualSnapshotQuota;
  const rdsQuota = (['primary', 'secondary'] as const).map((role) => {
    const region = policy.regions[role];
    let snapshots: number | null = 0;
    for (const r of resources) {
      if (r.kind !== 'databases' || r.steadyState === null) continue;
      const n = r.steadyState[role];
      snapshots = n === null || snapshots === null ? null : snapshots + n;
    }
    if (snapshots === null) warnings.push(`${region}: a database keeps snapshots without limit; the RDS quota of ${quota} will be reached`);
    else if (snapshots > quota * policy.rds.quotaWarningRatio) {
      warnings.push(`${region}: the policy keeps up to ${snapshots} manual DB snapshots, over ${Math.round(policy.rds.quotaWarningRatio * 100)} % of the quota of ${quota} (request a quota increase or shorten retention)`);
    }
    return { region, snapshots, quota };
  });

  const objectives = Object.entries(policy.objectives).map(([component, o]) => ({ component, rpo: formatMs(o.rpo), rto: formatMs(o.rto) }));
  return { name: policy.name, timezone: tz, regions: policy.regions, resources, objectives, rdsQuota, warnings };
}
