// One source for every metric's dimensions (shared/runtime/metric-catalog.ts), held against both ends:
// the handlers that write the records — each metric of the catalog named in the handler of every
// function it lists as a writer, each metric a handler records listed for it, and no record made but
// through the recorder — and everything that reads them — every BackupDR metric an alarm watches, a
// dashboard widget draws or the daily checklist queries, in both regions, for a policy with several
// resources of every kind: a catalog metric, with exactly its dimension names, a component that writes
// it, a resource of the policy, a restore kind of that component, and read in a region where a function
// that writes it is deployed (CloudWatch metrics are regional: elsewhere it reads nothing).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVICE_DIR } from '../../deploy/bundles.js';
import type { Deployment } from '../../deploy/core/contribution.js';
import { DASHBOARD_ID } from '../../deploy/platform/dashboard.js';
import { planFigures } from '../../functions/platform/daily-checklist/figures.js';
import { SCHEDULES_RESOURCE } from '../../functions/platform/check-schedules/check-schedules.js';
import { EXPORT_BUCKET_RESOURCE } from '../../functions/redis/check-cache-posture/check-cache-posture.js';
import { READINESS_RESOURCE } from '../../shared/policy/failover-settings.js';
import { listResources } from '../../shared/policy/resources.js';
import { dimensionNames, isMetricName, METRICS, RESTORE_KINDS, type MetricName } from '../../shared/runtime/metric-catalog.js';
import { deployIn, policyWith, resourcesOfType } from './deployments.js';

/** Two of every kind of resource, each kind of restore test, a bucket another stack owns. */
const policy = policyWith((doc) => {
  const [db] = doc.resources.databases;
  doc.resources.databases.push({ ...structuredClone(db), name: 'billing-db', instanceId: 'billing-db-prod', restoreTest: { ...db.restoreTest, region: 'secondary', secondary: { subnetGroup: 'dr-subnets' } }, backupWindow: '1h' });
  const [cache] = doc.resources.caches;
  doc.resources.caches.push({ ...structuredClone(cache), name: 'session-redis', replicationGroupId: 'session-redis-prod', restoreTest: { region: 'secondary', secondary: { subnetGroup: 'dr-cache-subnets' } } });
  doc.resources.buckets.push({ name: 'docs', bucket: 'app-docs-prod', replicaBucket: 'app-docs-replica-apse1', managed: false });
  doc.resources.configuration.push({ name: 'billing-config', ssmParameterPaths: ['/billing/prod/'], schedule: 'cron(0 3 * * ? *)', retention: doc.resources.configuration[0].retention, restoreTest: {} });
});
const { primary: PRIMARY, secondary: SECONDARY } = policy.regions;
const deployments = [deployIn(policy), deployIn(policy, SECONDARY)];
// The policy's resources, and what the posture checks judge besides them: the backup key and the region as a
// whole (failover readiness), each component's schedules, a region's cache export bucket.
const resources = new Set([...listResources(policy).map((r) => r.name), ...Object.values(READINESS_RESOURCE), SCHEDULES_RESOURCE, EXPORT_BUCKET_RESOURCE]);

/** A read of one of our metrics: where it is read (its CloudWatch region), its name and dimensions, and what reads it. */
interface Read {
  readonly by: string;
  readonly region: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, unknown>>;
}

function alarmReads(d: Deployment): Read[] {
  return resourcesOfType(d, 'AWS::CloudWatch::Alarm')
    .filter(([, r]) => r.Properties.Namespace === 'BackupDR')
    .map(([, r]) => ({
      by: `alarm ${r.Properties.AlarmName}`,
      region: d.region,
      name: r.Properties.MetricName as string,
      dimensions: Object.fromEntries((r.Properties.Dimensions as { Name: string; Value: unknown }[]).map((x) => [x.Name, x.Value])),
    }));
}

function dashboardReads(d: Deployment): Read[] {
  const sub = (d.resources.Resources[DASHBOARD_ID]!.Properties as { DashboardBody: { 'Fn::Sub': string | [string, unknown] } }).DashboardBody['Fn::Sub'];
  const template = typeof sub === 'string' ? sub : sub[0];
  const body = JSON.parse(template.replace(/\$\{[^}]*\}/g, 'X')) as { widgets: { properties: { title?: string; metrics?: unknown[][] } }[] };
  return body.widgets.flatMap((w) =>
    (w.properties.metrics ?? [])
      .filter((line) => line[0] === 'BackupDR')
      .map((line) => {
        const options = line.at(-1) as { region: string };
        const flat = line.slice(2, -1) as string[];
        const dimensions: Record<string, string> = {};
        for (let i = 0; i < flat.length; i += 2) dimensions[flat[i]!] = flat[i + 1]!;
        return { by: `dashboard ${d.region}: ${w.properties.title}`, region: options.region, name: line[1] as string, dimensions };
      }),
  );
}

const checklistReads = (): Read[] =>
  planFigures(policy, { primary: PRIMARY, secondary: SECONDARY }).queries.map((q) => ({ by: `checklist query ${q.id}`, region: q.region, name: q.name, dimensions: q.dimensions }));

/** The regions each function is deployed in. */
const deployedIn = new Map<string, Set<string>>();
for (const d of deployments) for (const fn of Object.keys(d.functions)) deployedIn.set(fn, new Set([...(deployedIn.get(fn) ?? []), d.region]));

const handlerSource = (writer: string) => readFileSync(join(SERVICE_DIR, 'functions', writer, 'handler.ts'), 'utf8');

describe('the metric catalog and the handlers that write its metrics', () => {
  const handlers = readdirSync(join(SERVICE_DIR, 'functions'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('handler.ts'))
    .map((file) => ({ writer: file.replace(/\/handler\.ts$/, ''), source: readFileSync(join(SERVICE_DIR, 'functions', file), 'utf8') }));

  it('names each metric in the handler of every function it lists as a writer', () => {
    for (const [name, spec] of Object.entries(METRICS)) {
      for (const writer of spec.writers) {
        const source = handlerSource(writer);
        expect(source, `${name} in functions/${writer}/handler.ts`).toContain(`'${name}'`);
        expect(source, writer).toContain(`metricRecorder(rt.metrics, '`);
      }
    }
  });

  it('lists every metric a handler records, with that handler among its writers — and nothing records but through a recorder', () => {
    for (const { writer, source } of handlers) {
      expect(source, writer).not.toMatch(/\.addMetric\(|singleMetric\(/);
      // The metric names of its figures ([name, value]) and of its tally/failures calls.
      const recorded = [...source.matchAll(/\['([A-Z]\w+)',|\.(?:tally|failures)\('([A-Z]\w+)'/g)].map((m) => m[1] ?? m[2]!);
      for (const name of recorded) {
        expect(isMetricName(name), `${writer} records ${name}, which the catalog does not list`).toBe(true);
        expect(METRICS[name as MetricName].writers as readonly string[], `${name} written by ${writer}`).toContain(writer);
      }
    }
  });

  it('gives every metric its scope\'s dimensions: component and region always, resource per resource and restore, kind per restore', () => {
    expect(dimensionNames('CopiesInFlight')).toEqual(['service', 'component', 'region']);
    expect(dimensionNames('BackupDurationSeconds')).toEqual(['service', 'component', 'resource', 'region']);
    expect(dimensionNames('RestoreRtoSeconds')).toEqual(['service', 'component', 'resource', 'region', 'kind']);
  });
});

describe('every read of our metrics — alarms, dashboards, the daily checklist — in both regions', () => {
  const reads = [...deployments.flatMap(alarmReads), ...deployments.flatMap(dashboardReads), ...checklistReads()];

  it('reads many metrics of every component, from all three readers', () => {
    expect(reads.filter((r) => r.by.startsWith('alarm')).length).toBeGreaterThan(40);
    expect(reads.filter((r) => r.by.startsWith('dashboard')).length).toBeGreaterThan(100);
    expect(reads.filter((r) => r.by.startsWith('checklist')).length).toBeGreaterThan(30);
    expect(new Set(reads.map((r) => r.dimensions.component))).toEqual(new Set(['rds', 'redis', 'media', 'config', 'platform']));
  });

  it('names a catalog metric with exactly its dimensions, a component that writes it, a resource of the policy and a restore kind of that component', () => {
    for (const read of reads) {
      expect(isMetricName(read.name), `${read.by}: ${read.name}`).toBe(true);
      const name = read.name as MetricName;
      const spec = METRICS[name];
      expect(Object.keys(read.dimensions), `${read.by}: ${name}`).toEqual(dimensionNames(name));
      expect(read.dimensions.service, read.by).toBe('backup-dr');
      expect(spec.components as readonly unknown[], `${read.by}: ${name}`).toContain(read.dimensions.component);
      expect([PRIMARY, SECONDARY, policy.regions.archive], `${read.by}: region ${String(read.dimensions.region)}`).toContain(read.dimensions.region);
      if ('resource' in read.dimensions) expect(resources.has(String(read.dimensions.resource)), `${read.by}: resource ${String(read.dimensions.resource)}`).toBe(true);
      if ('kind' in read.dimensions) expect((RESTORE_KINDS as Record<string, readonly string[]>)[String(read.dimensions.component)], read.by).toContain(read.dimensions.kind);
    }
  });

  it('reads each metric in a region where a function that writes it is deployed', () => {
    for (const read of reads) {
      const writers = METRICS[read.name as MetricName].writers.map((w) => w.split('/')[1]!);
      const regions = new Set(writers.flatMap((fn) => [...(deployedIn.get(fn) ?? [])]));
      expect([...regions], `${read.by}: ${read.name} read in ${read.region}, written by ${writers.join(', ')}`).toContain(read.region);
    }
  });
});
