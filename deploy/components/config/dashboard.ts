// Packaging time only: the configurations' part of each region's dashboard, from the policy — per
// configuration how far its replica in the secondary is behind the source, as the weekly restore test
// measures it (test-configuration-restore, primary), against the application RPO target; then bundles
// written, their size (back-up-configuration, primary) and versions pruned (prune-configuration-bundles,
// both regions) over time, the newest bundle's age in each region, the restore tests' outcomes and
// drift, and the config buckets' storage. Our metrics' dimensions are the metric catalog's
// (shared/runtime/metric-catalog.ts).

import type { Context, Contribution, DashboardWidget } from '../../core/contribution.js';
import type { MetricName } from '../../../shared/runtime/metric-catalog.js';
import { backupDrMetric, bucketStorage, DAY_SECONDS, graph, placed, tile, type MetricRef } from '../../core/widgets.js';
import { bucketName } from './backup.js';

const ROW = 'Configuration (SSM parameters, Secrets Manager): bundles, pruning, restore tests';
const KIND = 'config-restore';

type Configuration = Context['policy']['resources']['configuration'][number];

/** A per-configuration figure: `region` is the measured copy's (a dimension), `publishedIn` where its function runs. */
const perConfig = (name: MetricName, configuration: Configuration, region: string, publishedIn: string, label: string, stat: MetricRef['stat'] = 'Sum'): MetricRef =>
  backupDrMetric(name, { component: 'config', resource: configuration.name, region }, { region: publishedIn, label, stat, period: DAY_SECONDS });

const restoreMetric = (ctx: Context, name: 'RestoreTestPassed' | 'RestoreTestFailed', configuration: Configuration, label: string): MetricRef =>
  backupDrMetric(name, { component: 'config', resource: configuration.name, region: ctx.primary, kind: KIND }, { region: ctx.primary, label, stat: 'Sum', period: DAY_SECONDS });

function recoveryPoint(ctx: Context, configuration: Configuration): DashboardWidget {
  const rpo = (configuration.objectives ?? ctx.policy.objectives.application).rpo / 1000;
  const metrics = [perConfig('ConfigurationReplicaBehindSeconds', configuration, ctx.secondary, ctx.primary, `replica (${ctx.secondary}) behind, at the last restore test`, 'Maximum')];
  return placed('recovery-points', 'Live RPO', tile({ title: `${configuration.name} (configuration) — replica behind source, seconds`, region: ctx.primary, metrics, target: { label: 'RPO target', seconds: rpo } }), [configuration.name]);
}

function componentRows(ctx: Context): DashboardWidget[] {
  const { primary, secondary } = ctx;
  const configurations = ctx.policy.resources.configuration;
  const widgets = [
    graph({
      title: 'Bundles written and versions pruned (per day)',
      region: primary,
      metrics: configurations.flatMap((c) => [
        perConfig('ConfigurationBundlesWritten', c, primary, primary, `${c.name} written`),
        ...[primary, secondary].map((region) => perConfig('ConfigurationBundleVersionsDeleted', c, region, region, `${c.name} pruned (${region})`)),
      ]),
    }),
    graph({ title: 'Bundle size, bytes', region: primary, metrics: configurations.map((c) => perConfig('BackupSizeBytes', c, primary, primary, c.name, 'Maximum')) }),
    graph({
      title: 'Newest bundle: age in each region, seconds (at the weekly restore test)',
      region: primary,
      metrics: configurations.flatMap((c) => [primary, secondary].map((region) => perConfig('ConfigurationBundleAgeSeconds', c, region, primary, `${c.name} (${region})`, 'Maximum'))),
    }),
    graph({
      title: 'Restore tests: outcomes and names drifted from the live values',
      region: primary,
      metrics: configurations.flatMap((c) => [
        restoreMetric(ctx, 'RestoreTestPassed', c, `${c.name} passed`),
        restoreMetric(ctx, 'RestoreTestFailed', c, `${c.name} failed`),
        perConfig('ConfigurationDriftNames', c, primary, primary, `${c.name} drifted names`, 'Maximum'),
      ]),
      red: ['RestoreTestFailed'],
    }),
    graph({
      title: 'Config buckets: storage, bytes (daily; every version kept until pruned)',
      region: primary,
      metrics: [primary, secondary].map((region) => bucketStorage(bucketName(ctx, region), region, 'STANDARD', `bundles (${region})`)),
    }),
  ];
  return widgets.map((widget) => placed('component', ROW, widget));
}

export const configDashboard: Contribution = {
  component: 'config',
  name: 'config/dashboard',
  dashboardWidgets: (ctx) => {
    const configurations = ctx.policy.resources.configuration;
    if (configurations.length === 0) return [];
    return [...configurations.map((c) => recoveryPoint(ctx, c)), ...componentRows(ctx)];
  },
};
