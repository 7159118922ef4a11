// Packaging time only: the configurations' part of each region's dashboard, from the policy — per
// configuration how far its replica in the secondary is behind the source, as the weekly restore test
// measures it (test-configuration-restore, primary, by resource and kind "config-restore"), against the
// application RPO target; then bundles written (back-up-configuration, primary) and versions pruned
// (prune-configuration-bundles, both regions) over time, the restore tests' outcomes and drift, and the
// config buckets' storage.
// No function publishes the age of the newest bundle yet: the tile is the weekly figure until one does.

import type { Context, Contribution, DashboardWidget } from '../../core/contribution.js';
import { backupDrMetric, bucketStorage, DAY_SECONDS, graph, placed, tile, type MetricRef } from '../../core/widgets.js';
import { bucketName } from './backup.js';

const ROW = 'Configuration (SSM parameters, Secrets Manager): bundles, pruning, restore tests';
const KIND = 'config-restore';

type Configuration = Context['policy']['resources']['configuration'][number];

const restoreMetric = (ctx: Context, name: string, configuration: Configuration, label: string, stat: MetricRef['stat']): MetricRef =>
  backupDrMetric(name, { resource: configuration.name, kind: KIND }, { region: ctx.primary, label, stat, period: DAY_SECONDS });

function recoveryPoint(ctx: Context, configuration: Configuration): DashboardWidget {
  const rpo = (configuration.objectives ?? ctx.policy.objectives.application).rpo / 1000;
  const metrics = [restoreMetric(ctx, 'ConfigurationReplicaBehindSeconds', configuration, `replica (${ctx.secondary}) behind, at the last restore test`, 'Maximum')];
  return placed('recovery-points', 'Live RPO', tile({ title: `${configuration.name} (configuration) — replica behind source, seconds`, region: ctx.primary, metrics, target: { label: 'RPO target', seconds: rpo } }), [configuration.name]);
}

function componentRows(ctx: Context): DashboardWidget[] {
  const configurations = ctx.policy.resources.configuration;
  const daily = (name: string, region: string, label: string) => backupDrMetric(name, {}, { region, label, stat: 'Sum', period: DAY_SECONDS });
  const widgets = [
    graph({
      title: 'Bundles written and versions pruned (per day)',
      region: ctx.primary,
      metrics: [daily('ConfigurationBundlesWritten', ctx.primary, 'written'), ...[ctx.primary, ctx.secondary].map((region) => daily('ConfigurationBundleVersionsDeleted', region, `pruned (${region})`))],
    }),
    graph({
      title: 'Restore tests: outcomes and names drifted from the live values',
      region: ctx.primary,
      metrics: configurations.flatMap((c) => [
        restoreMetric(ctx, 'RestoreTestPassed', c, `${c.name} passed`, 'Sum'),
        restoreMetric(ctx, 'RestoreTestFailed', c, `${c.name} failed`, 'Sum'),
        restoreMetric(ctx, 'ConfigurationDriftNames', c, `${c.name} drifted names`, 'Maximum'),
      ]),
      red: ['RestoreTestFailed'],
    }),
    graph({
      title: 'Config buckets: storage, bytes (daily; every version kept until pruned)',
      region: ctx.primary,
      metrics: [ctx.primary, ctx.secondary].map((region) => bucketStorage(bucketName(ctx, region), region, 'STANDARD', `bundles (${region})`)),
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
