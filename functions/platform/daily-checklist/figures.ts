// Where the checklist's figures come from: the BackupDR metrics the functions already publish (README
// "Alarms" lists each with its dimensions), read with CloudWatch GetMetricData in the region each is
// published in — one uniform read for every resource over the day, the week or the month — and the newest
// restore-test evidence object of each resource in the reports bucket of the region its test ran in. Every
// metric is named with exactly the dimensions its record carries, from the metric catalog
// (shared/runtime/metric-catalog.ts) the records are made from: one dimension more or less and CloudWatch
// answers with no datapoints, which the checklist would report as "no figure".

import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { METRICS_NAMESPACE, REPORT_PREFIX } from '../../../shared/contracts.js';
import { metricDimensions, type MetricName, type MetricWhere } from '../../../shared/runtime/metric-catalog.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { NO_DATA, PERIOD_SECONDS, type ChecklistFigures, type Period, type RegionFigures, type ResourceFigures, type Series } from './checklist.js';

/** One metric the checklist reads: where it is published, its exact dimensions, and how a period's values combine. */
export interface FigureQuery {
  readonly id: string;
  /** Where the metric is published: the region its function runs in. */
  readonly region: string;
  readonly name: MetricName;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: 'Maximum' | 'Sum';
}

export interface Regions {
  readonly primary: string;
  readonly secondary: string;
}

/** Datapoints per hour for the day, per day for the week and the month: the latest, the worst and the first of the period. */
export const QUERY_PERIOD_SECONDS: Readonly<Record<Period, number>> = { daily: 3_600, weekly: 86_400, monthly: 86_400 };

const objectiveSeconds = (ms: number) => ms / 1000;

/** What a resource's checklist entry is made of, before the figures are read: the query of each figure by id. */
interface Plan {
  readonly queries: FigureQuery[];
  readonly build: (values: ReadonlyMap<string, Series>, sums: ReadonlyMap<string, number>) => { resources: ResourceFigures[]; regions: RegionFigures[] };
}

/** Every figure the checklist shows, from the policy: per database, cache, bucket and configuration, and per region. */
export function planFigures(policy: Policy, regions: Regions): Plan {
  const queries: FigureQuery[] = [];
  /** A query of `name` at `where` (the measured thing's region), read where it is published. */
  const metric = (publishedIn: string, name: MetricName, where: MetricWhere, stat: FigureQuery['stat']): string => {
    const id = `m${queries.length}`;
    queries.push({ id, region: publishedIn, name, dimensions: metricDimensions(name, where), stat });
    return id;
  };
  const { primary, secondary } = regions;
  const { databases, caches, buckets, configuration } = policy.resources;
  type Pending = (series: (id: string) => Series, count: (id: string) => number) => ResourceFigures;
  const pending: Pending[] = [];

  // A test's records: where it runs, with that region. A configuration test has no inconclusive verdict.
  const restoreIds = (component: 'rds' | 'redis' | 'config', resource: string, kind: string, region: string) => {
    const where = { component, resource, region, kind };
    return {
      kind,
      region,
      passed: metric(region, 'RestoreTestPassed', where, 'Sum'),
      failed: metric(region, 'RestoreTestFailed', where, 'Sum'),
      inconclusive: component === 'config' ? null : metric(region, 'RestoreTestInconclusive', where, 'Sum'),
      rto: component === 'config' ? null : metric(region, 'RestoreRtoSeconds', where, 'Maximum'),
    };
  };
  const restoreFigures = (ids: ReturnType<typeof restoreIds>, rtoTarget: number, series: (id: string) => Series, count: (id: string) => number) => ({
    kind: ids.kind,
    region: ids.region,
    passed: count(ids.passed),
    failed: count(ids.failed),
    inconclusive: ids.inconclusive === null ? 0 : count(ids.inconclusive),
    rtoSeconds: ids.rto === null ? NO_DATA : series(ids.rto),
    rtoTargetSeconds: rtoTarget,
  });

  /** A backup's duration and size in the primary (BackupDurationSeconds, BackupSizeBytes), against its window. */
  const backupIds = (component: 'rds' | 'redis', resource: string, windowMs: number) => ({
    duration: metric(primary, 'BackupDurationSeconds', { component, resource, region: primary }, 'Maximum'),
    size: metric(primary, 'BackupSizeBytes', { component, resource, region: primary }, 'Maximum'),
    windowSeconds: windowMs / 1000,
  });
  const backupFigures = (ids: ReturnType<typeof backupIds>, series: (id: string) => Series) => ({ durationSeconds: series(ids.duration), windowSeconds: ids.windowSeconds, sizeBytes: series(ids.size) });
  /** What was pruned of one resource in each region: per region the ids of its records. */
  const pruned: { region: string; label: string; id: string }[] = [];

  for (const db of databases) {
    const objectives = db.objectives ?? policy.objectives.database;
    const at = (region: string) => ({ component: 'rds', resource: db.name, region }) as const;
    const lagPrimary = metric(primary, 'PitrLagPrimarySeconds', at(primary), 'Maximum');
    const lagSecondary = db.automatedBackups.replicateToSecondary ? metric(primary, 'PitrLagSecondarySeconds', at(secondary), 'Maximum') : null;
    const copyAge = metric(primary, 'NewestVerifiedCopyAgeSeconds', at(secondary), 'Maximum');
    const snapshotFailures = metric(primary, 'SnapshotFailures', at(primary), 'Sum');
    const copyFailures = metric(primary, 'CopyFailures', at(secondary), 'Sum');
    const verificationFailures = metric(secondary, 'CopyVerificationFailures', at(secondary), 'Sum');
    const copiesVerified = metric(secondary, 'CopiesVerified', at(secondary), 'Sum');
    const backup = backupIds('rds', db.name, db.backupWindow);
    for (const region of [primary, secondary]) pruned.push({ region, label: 'DB snapshots', id: metric(region, 'SnapshotsDeleted', at(region), 'Sum') });
    const tests = [
      ...(db.restoreTest === undefined ? [] : [restoreIds('rds', db.name, 'snapshot', db.restoreTest.region === 'secondary' ? secondary : primary)]),
      ...(db.pitrTest === undefined ? [] : [restoreIds('rds', db.name, 'pitr', secondary)]),
    ];
    pending.push((series, count) => ({
      component: 'rds',
      resource: db.name,
      recoveryPoints: [
        { label: `PITR lag (${primary})`, seconds: series(lagPrimary), targetSeconds: objectiveSeconds(objectives.rpo) },
        ...(lagSecondary === null ? [] : [{ label: `PITR lag (${secondary})`, seconds: series(lagSecondary), targetSeconds: objectiveSeconds(objectives.rpo) }]),
        { label: `newest verified copy (${secondary})`, seconds: series(copyAge), targetSeconds: null },
      ],
      backup: backupFigures(backup, series),
      succeeded: [{ label: `copies verified (${secondary})`, count: count(copiesVerified) }],
      failures: [
        { label: 'snapshots failed', count: count(snapshotFailures) },
        { label: `copies to ${secondary} failed`, count: count(copyFailures) },
        { label: `copies failed verification (${secondary})`, count: count(verificationFailures) },
      ],
      restoreTests: tests.map((t) => restoreFigures(t, objectiveSeconds(objectives.rto), series, count)),
    }));
  }

  for (const cache of caches) {
    const objectives = cache.objectives ?? policy.objectives.redis;
    const at = (region: string) => ({ component: 'redis', resource: cache.name, region }) as const;
    const ages = [primary, secondary].map((region) => ({ region, id: metric(region, 'NewestVerifiedExportAgeSeconds', at(region), 'Maximum') }));
    const snapshotFailures = metric(primary, 'CacheSnapshotFailures', at(primary), 'Sum');
    const exportFailures = metric(primary, 'CacheExportFailures', at(primary), 'Sum');
    const verification = [primary, secondary].map((region) => ({ region, id: metric(region, 'ExportVerificationFailures', at(region), 'Sum') }));
    const backup = backupIds('redis', cache.name, cache.backupWindow);
    for (const region of [primary, secondary]) pruned.push({ region, label: 'cache backups', id: metric(region, 'CacheBackupsPruned', at(region), 'Sum') });
    const tests = cache.restoreTest === undefined ? [] : [restoreIds('redis', cache.name, 'cache-restore', cache.restoreTest.region === 'secondary' ? secondary : primary)];
    pending.push((series, count) => ({
      component: 'redis',
      resource: cache.name,
      recoveryPoints: ages.map((a) => ({ label: `newest verified export (${a.region})`, seconds: series(a.id), targetSeconds: objectiveSeconds(objectives.rpo) })),
      backup: backupFigures(backup, series),
      succeeded: [],
      failures: [
        { label: 'snapshots failed', count: count(snapshotFailures) },
        { label: 'exports failed', count: count(exportFailures) },
        ...verification.map((v) => ({ label: `exports failed verification (${v.region})`, count: count(v.id) })),
      ],
      restoreTests: tests.map((t) => restoreFigures(t, objectiveSeconds(objectives.rto), series, count)),
    }));
  }

  for (const bucket of buckets) {
    // The daily check, in the primary, of the replica in the secondary.
    const mismatches = metric(primary, 'ReplicationMismatches', { component: 'media', resource: bucket.name, region: secondary }, 'Maximum');
    pending.push((series) => {
      const checked = series(mismatches);
      return {
        component: 'media',
        resource: bucket.name,
        // A daily check that did not run is a missing figure, not a clean one.
        recoveryPoints: checked.latest === null ? [{ label: 'replication check', seconds: NO_DATA, targetSeconds: null }] : [],
        succeeded: [],
        // The daily replication check: objects missing or different in the replica, its latest count.
        failures: [{ label: `objects missing or different in the replica (${secondary})`, count: checked.latest ?? 0 }],
        restoreTests: [],
      };
    });
  }

  for (const config of configuration) {
    const objectives = config.objectives ?? policy.objectives.application;
    const at = (region: string) => ({ component: 'config', resource: config.name, region }) as const;
    const succeeded = metric(primary, 'ConfigurationBackupsSucceeded', at(primary), 'Sum');
    const failed = metric(primary, 'ConfigurationBackupFailures', at(primary), 'Sum');
    for (const region of [primary, secondary]) pruned.push({ region, label: 'configuration bundle versions', id: metric(region, 'ConfigurationBundleVersionsDeleted', at(region), 'Sum') });
    const tests = config.restoreTest === undefined ? [] : [restoreIds('config', config.name, 'config-restore', primary)];
    pending.push((series, count) => ({
      component: 'config',
      resource: config.name,
      recoveryPoints: [],
      succeeded: [{ label: 'backups', count: count(succeeded) }],
      failures: [{ label: 'backups failed', count: count(failed) }],
      restoreTests: tests.map((t) => restoreFigures(t, objectiveSeconds(objectives.rto), series, count)),
    }));
  }

  const regionIds = [primary, secondary].map((region) => ({
    region,
    // check-db-posture (primary) measures the quota of both regions.
    quota: databases.length === 0 ? null : metric(primary, 'ManualSnapshotQuotaPercent', { component: 'rds', region }, 'Maximum'),
    pruned: [...new Set(pruned.filter((p) => p.region === region).map((p) => p.label))].map((label) => ({ label, ids: pruned.filter((p) => p.region === region && p.label === label).map((p) => p.id) })),
  }));

  return {
    queries,
    build: (values, sums) => {
      const series = (id: string) => values.get(id) ?? NO_DATA;
      const count = (id: string) => sums.get(id) ?? 0;
      return {
        resources: pending.map((make) => make(series, count)),
        regions: regionIds.map((r) => ({
          region: r.region,
          quotaPercent: r.quota === null ? NO_DATA : series(r.quota),
          quotaWarningPercent: Math.round(policy.rds.quotaWarningRatio * 100),
          pruned: r.pruned.map((p) => ({ label: p.label, count: p.ids.reduce((n, id) => n + count(id), 0) })).filter((p) => p.count > 0),
        })),
      };
    },
  };
}

/** The GetMetricData queries of one region (at most 500 a request, CloudWatch's limit). */
export function metricDataQueries(queries: readonly FigureQuery[], period: Period): MetricDataQuery[] {
  return queries.map((q) => ({
    Id: q.id,
    MetricStat: {
      Metric: { Namespace: METRICS_NAMESPACE, MetricName: q.name, Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })) },
      Period: QUERY_PERIOD_SECONDS[period],
      Stat: q.stat,
    },
    ReturnData: true,
  }));
}

const MAX_QUERIES = 500;

/** The period's window, aligned to the hour (CloudWatch answers faster, and a rerun reads the same figures). */
export function window(period: Period, now: number): { start: Date; end: Date } {
  const end = Math.floor(now / 3_600_000) * 3_600_000;
  return { start: new Date(end - PERIOD_SECONDS[period] * 1000), end: new Date(end) };
}

/** Reads every query in its region: values newest first, all pages; a series with no datapoint is absent. */
export async function readMetrics(
  queries: readonly FigureQuery[],
  period: Period,
  now: number,
  cloudwatch: (region: string) => Pick<CloudWatchClient, 'send'>,
): Promise<{ values: Map<string, Series>; sums: Map<string, number> }> {
  const { start, end } = window(period, now);
  const points = new Map<string, number[]>();
  const regions = [...new Set(queries.map((q) => q.region))];
  for (const region of regions) {
    const ofRegion = queries.filter((q) => q.region === region);
    for (let i = 0; i < ofRegion.length; i += MAX_QUERIES) {
      const chunk = metricDataQueries(ofRegion.slice(i, i + MAX_QUERIES), period);
      let token: string | undefined;
      do {
        const page = await cloudwatch(region).send(
          new GetMetricDataCommand({ MetricDataQueries: chunk, StartTime: start, EndTime: end, ScanBy: 'TimestampDescending', ...(token === undefined ? {} : { NextToken: token }) }),
        );
        for (const result of page.MetricDataResults ?? []) {
          if (result.Id === undefined) continue;
          points.set(result.Id, [...(points.get(result.Id) ?? []), ...(result.Values ?? [])]);
        }
        token = page.NextToken;
      } while (token !== undefined);
    }
  }
  const values = new Map<string, Series>();
  const sums = new Map<string, number>();
  for (const [id, list] of points) {
    if (list.length === 0) continue;
    values.set(id, { latest: list[0]!, worst: Math.max(...list), earliest: list[list.length - 1]! });
    sums.set(id, list.reduce((a, b) => a + b, 0));
  }
  return { values, sums };
}

/** The newest evidence object of a resource in one bucket: this month's prefix, else last month's (in the policy's time zone). */
export async function newestEvidence(s3: Pick<S3Client, 'send'>, bucket: string, resource: string, months: readonly { year: number; month: number }[]): Promise<{ key: string; at: number } | null> {
  for (const { year, month } of months) {
    let newest: { key: string; at: number } | null = null;
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${REPORT_PREFIX.evidence}${resource}/${year}/${String(month).padStart(2, '0')}/`, ...(token === undefined ? {} : { ContinuationToken: token }) }));
      for (const object of page.Contents ?? []) {
        const at = object.LastModified?.getTime() ?? 0;
        if (object.Key !== undefined && (newest === null || at > newest.at)) newest = { key: object.Key, at };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    if (newest !== null) return newest;
  }
  return null;
}

/** This month and the one before, in the policy's time zone. */
export function recentMonths(now: number, timeZone: string): { year: number; month: number }[] {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: 'numeric' }).formatToParts(new Date(now));
  const year = Number(parts.find((p) => p.type === 'year')?.value);
  const month = Number(parts.find((p) => p.type === 'month')?.value);
  return [{ year, month }, month === 1 ? { year: year - 1, month: 12 } : { year, month: month - 1 }];
}

export interface GatherDeps {
  readonly policy: Policy;
  readonly stage: string;
  readonly regions: Regions;
  /** The reports bucket of each region, where restore tests keep their evidence. */
  readonly reportsBuckets: Readonly<Record<string, string>>;
  readonly cloudwatch: (region: string) => Pick<CloudWatchClient, 'send'>;
  readonly s3: (region: string) => Pick<S3Client, 'send'>;
  readonly now: () => number;
}

/** Every figure of the checklist of `period`, read now. */
export async function gatherFigures(period: Period, deps: GatherDeps): Promise<ChecklistFigures> {
  const at = deps.now();
  const plan = planFigures(deps.policy, deps.regions);
  const { values, sums } = await readMetrics(plan.queries, period, at, deps.cloudwatch);
  const { resources, regions } = plan.build(values, sums);
  const months = recentMonths(at, deps.policy.timezone);
  const withEvidence: ResourceFigures[] = [];
  for (const r of resources) {
    const testRegions = [...new Set(r.restoreTests.map((t) => t.region))];
    let newest: ResourceFigures['evidence'];
    for (const region of testRegions) {
      const bucket = deps.reportsBuckets[region];
      if (bucket === undefined) continue;
      const found = await newestEvidence(deps.s3(region), bucket, r.resource, months);
      if (found !== null && (newest === undefined || found.at > newest.at)) newest = { bucket, key: found.key, region, at: found.at };
    }
    withEvidence.push(newest === undefined ? r : { ...r, evidence: newest });
  }
  return { period, stage: deps.stage, region: deps.regions.primary, timeZone: deps.policy.timezone, at, resources: withEvidence, regions };
}
