// Packaging time only: the Redis (ElastiCache) alarms (README, "Alarms"), on the EMF records the functions
// write (namespace BackupDR; dimensions from the metric catalog, shared/runtime/metric-catalog.ts):
// - in each region, from check-cache-posture's daily records: the age of the newest verified export
//   there over the cache's RPO plus the pipeline allowance — freshness, the dead man's switch: no fresh
//   datapoint for a day and two hours alarms too;
// - in each region, per cache: exports that failed verification there (verify-cache-exports);
// - in the primary, per cache: a snapshot that failed (take-cache-snapshot), a snapshot that took longer
//   than its `backupWindow` and an export that failed (export-cache-snapshots);
// - where the test runs (both regions): a cache restore test that failed, was inconclusive or missed its RTO.

import { REPORT_PREFIX } from '../../../shared/contracts.js';
import type { CacheResource } from '../../../shared/policy/schema.js';
import { PIPELINE_ALLOWANCE_MS } from '../../../shared/redis/exports.js';
import { alarmsOf, backupDrMetric, backupDurationAlarm, FAILURE_COUNT, freshnessHours, freshnessWindow, restoreTestAlarms, seconds, spoken, type AlarmSpec } from '../../core/alarms.js';
import { parseScheduleExpression, typicalInterval } from '../../../shared/schedule/expression.js';
import type { Context, Contribution, Deployed } from '../../core/contribution.js';

/** The cache's objectives: its own, else the policy's for Redis. */
const objectivesOf = (ctx: Context, cache: CacheResource) => cache.objectives ?? ctx.policy.objectives.redis;

function freshnessAlarms(ctx: Context, now: number): AlarmSpec[] {
  const hours = freshnessHours(ctx.policy.rds.postureSchedule, ctx.policy.timezone, now);
  return ctx.policy.resources.caches.map((cache) => {
    const limit = objectivesOf(ctx, cache).rpo + PIPELINE_ALLOWANCE_MS;
    return {
      component: 'redis',
      resource: cache.name,
      what: 'verified-export-age',
      ...freshnessWindow(hours),
      threshold: seconds(limit),
      comparison: 'GreaterThanThreshold',
      metric: backupDrMetric('NewestVerifiedExportAgeSeconds', { component: 'redis', resource: cache.name, region: ctx.region }, 'Maximum'),
      description:
        `The newest verified export of ${cache.name} in ${ctx.region} is older than its RPO plus ${spoken(PIPELINE_ALLOWANCE_MS)} (${spoken(limit)}), or check-cache-posture has reported no age for ${hours} hours (no verified export here, or the check stopped running): a restore here would lose more than the RPO allows. ` +
        'Runbook: read the check-cache-posture alert; then take-cache-snapshot, export-cache-snapshots (primary) and verify-cache-exports (this region) logs and alerts, and the export bucket\'s replication.',
    } satisfies AlarmSpec;
  });
}

function failureAlarms(ctx: Context, deployed: Deployed): AlarmSpec[] {
  const { primary } = ctx.policy.regions;
  const specs: AlarmSpec[] = [];
  for (const cache of ctx.policy.resources.caches) {
    const at = (region: string) => ({ component: 'redis', resource: cache.name, region }) as const;
    if (deployed.functions['take-cache-snapshot'] !== undefined) {
      specs.push({
        component: 'redis',
        resource: cache.name,
        what: 'snapshot-failed',
        region: primary,
        ...FAILURE_COUNT,
        metric: backupDrMetric('CacheSnapshotFailures', at(primary), 'Sum'),
        description: `The scheduled snapshot of ${cache.name} (${cache.replicationGroupId}) failed in ${primary}. Runbook: read the take-cache-snapshot alert (error name) and logs; fix the cause (group state, snapshot limit, permissions), then invoke take-cache-snapshot with {"resources": ["${cache.name}"]} — it is idempotent.`,
      });
    }
    if (deployed.functions['verify-cache-exports'] !== undefined) {
      specs.push({
        component: 'redis',
        resource: cache.name,
        what: 'export-verification-failed',
        ...FAILURE_COUNT,
        metric: backupDrMetric('ExportVerificationFailures', at(ctx.region), 'Sum'),
        description: `An export of ${cache.name} in ${ctx.region} failed verification (it differs from the other region's copy, or its RDB is corrupt). Runbook: read the verify-cache-exports alert for the object and its problems; such an export must not seed a restore — delete it (the next snapshot exports again) and check the export bucket's replication.`,
      });
    }
    if (deployed.functions['export-cache-snapshots'] !== undefined) {
      specs.push(
        backupDurationAlarm({
          component: 'redis',
          resource: cache.name,
          region: primary,
          windowMs: cache.backupWindow,
          description:
            `A snapshot of ${cache.name} (${cache.replicationGroupId}) in ${primary} took, or has been running, longer than its backup window of ${spoken(cache.backupWindow)} (measured by export-cache-snapshots at each reconcile run, so to within one run). ` +
            `Runbook: aws elasticache describe-snapshots --replication-group-id ${cache.replicationGroupId} for one stuck "creating"; a snapshot of the primary node under load, or a large data set, takes longer — snapshot a replica, or raise backupWindow if that is the new normal.`,
        }),
        {
          component: 'redis',
          resource: cache.name,
          what: 'export-failed',
          region: primary,
          ...FAILURE_COUNT,
          metric: backupDrMetric('CacheExportFailures', at(primary), 'Sum'),
          description: `export-cache-snapshots could not export a snapshot of ${cache.name} to the export bucket in ${primary}. Runbook: read its alert for the snapshot and reason (bucket policy for ElastiCache, a data-tiering group, an export that never arrived); remove the export-failed tag from the snapshot so the next run (hourly) exports it again.`,
        },
      );
    }
  }
  return specs;
}

function restoreAlarms(ctx: Context, deployed: Deployed): AlarmSpec[] {
  if (deployed.functions['cache-restore-test-record'] === undefined) return [];
  const where = `${REPORT_PREFIX.evidence} in the reports bucket of ${ctx.region}, the cache-restore-test execution in Step Functions`;
  return ctx.policy.resources.caches
    .filter((cache) => cache.restoreTest !== undefined)
    .flatMap((cache) => restoreTestAlarms({ component: 'redis', resource: cache.name, region: ctx.region, kind: 'cache-restore', label: 'cache restore test', where, rtoMs: objectivesOf(ctx, cache).rto, inconclusive: true }));
}

/**
 * export-cache-snapshots sees a snapshot finish only at its next reconcile run: a window no longer than
 * that interval would set off the duration alarm for snapshots that were on time.
 */
function windowWarnings(ctx: Context, now: number): string[] {
  const interval = typicalInterval(parseScheduleExpression(ctx.policy.rds.reconcileSchedule), ctx.policy.timezone, now);
  return ctx.policy.resources.caches.flatMap((cache, index) =>
    Number.isFinite(interval) && cache.backupWindow <= interval
      ? [`resources.caches[${index}].backupWindow (${spoken(cache.backupWindow)}) is not longer than rds.reconcileSchedule's interval (${spoken(interval)}): a snapshot's duration is measured at those runs, so its backup-duration alarm would go off for snapshots on time`]
      : [],
  );
}

export const redisAlarms: Contribution = {
  component: 'redis',
  name: 'redis/alarms',
  warnings: (ctx) => windowWarnings(ctx, Date.now()),
  alarms: (ctx, deployed) => {
    // check-cache-posture runs in both regions, each measuring its own exports.
    const freshness = deployed.functions['check-cache-posture'] === undefined ? [] : freshnessAlarms(ctx, Date.now());
    return alarmsOf(ctx, [...freshness, ...failureAlarms(ctx, deployed), ...restoreAlarms(ctx, deployed)]);
  },
};
