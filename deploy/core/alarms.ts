// Packaging time only: how a component's alarms are built (deploy/components/<component>/alarms.ts) —
// one AWS::CloudWatch::Alarm to this region's alerts topic, named
// `<service>-<stage>-<component>-<resource>-<what>-<region>` (the region the measured backup or bucket is
// in) and described with a one-line runbook; the dimensions our EMF records carry (the metric catalog's);
// and the windows that make an alarm on a metric emitted once a day (a posture check) neither flap nor
// stay silent.
//
// Two kinds of alarm, two treatments of missing data:
// - freshness (the dead man's switch): hourly periods over the emitting job's interval plus a grace, ALL
//   of them breaching to alarm, missing data breaching — so a fresh datapoint in the window keeps it OK,
//   a stale one or none at all (the job stopped) sets it off;
// - everything else: missing data "not breaching" — failure counts are only emitted when something ran,
//   S3 publishes replication metrics only while it replicates, a restore test runs weekly.

import { METRICS_NAMESPACE, SERVICE } from '../../shared/contracts.js';
import { metricDimensions, type MetricComponent, type MetricName, type MetricWhere } from '../../shared/runtime/metric-catalog.js';
import { parseScheduleExpression, typicalInterval } from '../../shared/schedule/expression.js';
import { LOGICAL_ID, ref, type CfnResource } from './cloudformation.js';
import type { Context } from './contribution.js';

/**
 * Where every alarm of the stack notifies: the alerts topic when it goes to ALARM, and again when it goes
 * back to OK — the Slack notifier posts that as the resolution, e-mail says it cleared.
 */
export const ALERTS_TOPIC_ACTIONS = { AlarmActions: [ref(LOGICAL_ID.topic)], OKActions: [ref(LOGICAL_ID.topic)] } as const;

const HOUR_S = 3600;
/** How late a daily job may report before its freshness alarm counts the day as missed. */
export const FRESHNESS_GRACE_S = 2 * HOUR_S;
/** CloudWatch: Period × EvaluationPeriods may not exceed 7 days (PutMetricAlarm). */
export const MAX_WINDOW_S = 7 * 24 * HOUR_S;
/** Event counts (failures): evaluated every 5 minutes. */
export const EVENT_PERIOD_S = 300;

/** The metric an alarm watches. */
export interface WatchedMetric {
  readonly namespace?: string;
  readonly name: string;
  readonly dimensions: readonly { Name: string; Value: unknown }[];
  readonly statistic: 'Sum' | 'Maximum' | 'Minimum';
}

/**
 * A metric of ours (namespace BackupDR) at `where`, with exactly the dimensions its records carry — from
 * the catalog (shared/runtime/metric-catalog.ts), never spelt out here: `service` (Powertools adds it to
 * every record), `component`, `resource` where per resource, the `region` of what is measured, `kind`.
 */
export function backupDrMetric(name: MetricName, where: MetricWhere, statistic: WatchedMetric['statistic']): WatchedMetric {
  return { name, dimensions: Object.entries(metricDimensions(name, where)).map(([Name, Value]) => ({ Name, Value })), statistic };
}

export interface AlarmSpec {
  readonly component: string;
  /** A policy resource's name, or what the alarm is about ("manual-snapshots"). */
  readonly resource: string;
  /** What is measured, kebab-case ("verified-copy-age"). */
  readonly what: string;
  /** The region the measured thing lives in (default: the region being packaged). */
  readonly region?: string;
  /** What it means, then " Runbook: " and what to do — one line. */
  readonly description: string;
  readonly metric: WatchedMetric;
  readonly threshold: number;
  readonly comparison: 'GreaterThanThreshold' | 'LessThanThreshold';
  readonly period: number;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  readonly missing: 'breaching' | 'notBreaching';
}

/** "app-db" + "verified-copy-age" → "AppDbVerifiedCopyAge" (logical ids). */
export const pascal = (...parts: string[]): string =>
  parts
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');

/** What every alarm name of the stack starts with (these, platform/alarms.ts's and the Slack notifier's queue alarm). */
export const stackAlarmPrefix = (ctx: Pick<Context, 'stage'>): string => `${SERVICE}-${ctx.stage}-`;

export const alarmName = (ctx: Context, spec: Pick<AlarmSpec, 'component' | 'resource' | 'what' | 'region'>): string =>
  `${stackAlarmPrefix(ctx)}${spec.component}-${spec.resource}-${spec.what}-${spec.region ?? ctx.region}`;

/** The logical id of a spec's alarm: unique per component, resource, what and region. */
export const alarmLogicalId = (spec: Pick<AlarmSpec, 'component' | 'resource' | 'what' | 'region'>, ctx: Context): string =>
  `${pascal(spec.component, spec.resource, spec.what, spec.region ?? ctx.region)}Alarm`;

export function metricAlarm(ctx: Context, spec: AlarmSpec): CfnResource {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: alarmName(ctx, spec),
      AlarmDescription: spec.description,
      Namespace: spec.metric.namespace ?? METRICS_NAMESPACE,
      MetricName: spec.metric.name,
      Dimensions: spec.metric.dimensions,
      Statistic: spec.metric.statistic,
      Period: spec.period,
      EvaluationPeriods: spec.evaluationPeriods ?? 1,
      ...(spec.datapointsToAlarm === undefined ? {} : { DatapointsToAlarm: spec.datapointsToAlarm }),
      Threshold: spec.threshold,
      ComparisonOperator: spec.comparison,
      TreatMissingData: spec.missing,
      ...ALERTS_TOPIC_ACTIONS,
    },
  };
}

/** The alarms of `specs` by logical id. */
export function alarmsOf(ctx: Context, specs: readonly AlarmSpec[]): Record<string, CfnResource> {
  return Object.fromEntries(specs.map((spec) => [alarmLogicalId(spec, ctx), metricAlarm(ctx, spec)]));
}

/**
 * How many hourly periods a freshness alarm looks back over: the emitting schedule's interval plus the
 * grace, in whole hours, at most 7 days (a schedule rarer than that cannot be watched by one alarm:
 * `freshnessWarning` says so at packaging).
 */
export function freshnessHours(schedule: string, timeZone: string, now: number): number {
  const interval = typicalInterval(parseScheduleExpression(schedule), timeZone, now) / 1000;
  const window = Number.isFinite(interval) ? interval + FRESHNESS_GRACE_S : MAX_WINDOW_S;
  return Math.min(Math.ceil(window / HOUR_S), MAX_WINDOW_S / HOUR_S);
}

/** A packaging warning when `schedule` runs less often than a freshness alarm can look back. */
export function freshnessWarning(field: string, schedule: string, timeZone: string, now: number): string[] {
  const interval = typicalInterval(parseScheduleExpression(schedule), timeZone, now) / 1000;
  return interval + FRESHNESS_GRACE_S > MAX_WINDOW_S
    ? [`${field} (${schedule}) runs less often than every ${(MAX_WINDOW_S - FRESHNESS_GRACE_S) / HOUR_S} hours: its freshness alarm (7 days at most, CloudWatch's limit) will go off between runs`]
    : [];
}

/**
 * The period settings of a freshness alarm: hourly, every one of the window's hours breaching (a fresh
 * datapoint in any of them keeps it OK), missing data breaching.
 */
export function freshnessWindow(hours: number): Pick<AlarmSpec, 'period' | 'evaluationPeriods' | 'datapointsToAlarm' | 'missing'> {
  return { period: HOUR_S, evaluationPeriods: hours, datapointsToAlarm: hours, missing: 'breaching' };
}

/** A figure sampled once a day (a posture check): judged in the hour it arrives, silence not breaching. */
export const DAILY_SAMPLE = { period: HOUR_S, evaluationPeriods: 1, missing: 'notBreaching' } as const;

/** A failure count: any in 5 minutes alarms, silence is no failure. */
export const FAILURE_COUNT = { period: EVENT_PERIOD_S, evaluationPeriods: 1, missing: 'notBreaching', threshold: 0, comparison: 'GreaterThanThreshold' } as const;

/** Seconds, for thresholds (policy durations are milliseconds). */
export const seconds = (ms: number): number => Math.round(ms / 1000);
/** "15 min", "48 h", for descriptions. */
export const spoken = (ms: number): string => (ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${Math.round(ms / 60_000)} min`);

export interface RestoreTestAlarmInput {
  readonly component: MetricComponent;
  readonly resource: string;
  /** Where the test runs (its record step writes there, with this region). */
  readonly region: string;
  /** The `kind` dimension the record step emits (rds: snapshot | pitr; cache-restore; config-restore). */
  readonly kind: string;
  /** What the test is called in descriptions ("restore test", "PITR test"). */
  readonly label: string;
  /** Where the evidence and the execution are. */
  readonly where: string;
  /** The RTO target (ms) when the record step measures RTO (RestoreRtoSeconds); absent: no RTO alarm. */
  readonly rtoMs?: number;
  /** The record step emits RestoreTestInconclusive for this kind. */
  readonly inconclusive: boolean;
}

/**
 * A restore test's alarms in its region, on the record step's EMF records (component, resource, region,
 * kind): failed, inconclusive (when the kind can be), and an RTO over its target. A test runs weekly or
 * monthly: silence is not breaching (the schedule's own failures reach the topic through the
 * execution-status rule).
 */
export function restoreTestAlarms(input: RestoreTestAlarmInput): AlarmSpec[] {
  const where = { component: input.component, resource: input.resource, region: input.region, kind: input.kind };
  const base = { component: input.component, resource: input.resource, region: input.region };
  const specs: AlarmSpec[] = [
    {
      ...base,
      what: `${input.kind}-test-failed`,
      ...FAILURE_COUNT,
      metric: backupDrMetric('RestoreTestFailed', where, 'Sum'),
      description: `The ${input.label} of ${input.resource} failed: the backup did not restore, or the restored data did not pass validation, or RTO/RPO missed their targets. Runbook: read the verdict's failures in the evidence (${input.where}) and the execution history; fix the cause, then start the test again by hand.`,
    },
  ];
  if (input.inconclusive) {
    specs.push({
      ...base,
      what: `${input.kind}-test-inconclusive`,
      ...FAILURE_COUNT,
      metric: backupDrMetric('RestoreTestInconclusive', where, 'Sum'),
      description: `The ${input.label} of ${input.resource} was inconclusive: it could not judge the restore (no manifest, an unreachable restore, a check that did not run) — recovery is unproven this week. Runbook: read the evidence (${input.where}) for what was missing, fix it, and start the test again by hand.`,
    });
  }
  if (input.rtoMs !== undefined) {
    specs.push({
      ...base,
      what: `${input.kind}-test-rto`,
      ...DAILY_SAMPLE,
      threshold: seconds(input.rtoMs),
      comparison: 'GreaterThanThreshold',
      metric: backupDrMetric('RestoreRtoSeconds', where, 'Maximum'),
      description: `The ${input.label} of ${input.resource} took longer than its RTO of ${spoken(input.rtoMs)} to have the data back. Runbook: see which phase was slow in the evidence (${input.where}); a larger restore class, a newer snapshot or a smaller data set brings it back under target — or revise the objective with the business.`,
    });
  }
  return specs;
}

/**
 * A backup that took longer than its window (the resource's `backupWindow`), on BackupDurationSeconds:
 * the time a finished backup took, or the time one still running has taken so far (written on every
 * reconcile run while it runs). Judged in the hour a figure arrives; no backup running is silence, not
 * breaching — a backup that never starts is the snapshot-failed and freshness alarms' to catch.
 */
export function backupDurationAlarm(input: { component: 'rds' | 'redis'; resource: string; region: string; windowMs: number; description: string }): AlarmSpec {
  return {
    component: input.component,
    resource: input.resource,
    what: 'backup-duration',
    region: input.region,
    ...DAILY_SAMPLE,
    threshold: seconds(input.windowMs),
    comparison: 'GreaterThanThreshold',
    metric: backupDrMetric('BackupDurationSeconds', { component: input.component, resource: input.resource, region: input.region }, 'Maximum'),
    description: input.description,
  };
}
