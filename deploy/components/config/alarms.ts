// Packaging time only: the configuration alarms (README, "Alarms"), in the primary where the backups and
// the restore test run, on back-up-configuration's and test-configuration-restore's EMF records
// (dimensions from the metric catalog, shared/runtime/metric-catalog.ts):
// - per configuration, freshness (the dead man's switch): no ConfigurationBackupsSucceeded record —
//   bundle written, or found equal to the live configuration — within its schedule's interval plus two
//   hours; a backup that stopped running, or fails every time, alarms (missing data breaching);
// - per configuration, a backup that failed (ConfigurationBackupFailures);
// - per tested configuration, a weekly restore test that failed (the test has no inconclusive verdict and
//   no RTO: it reads the bundles back, it restores nothing).

import { REPORT_PREFIX } from '../../../shared/contracts.js';
import { alarmsOf, backupDrMetric, FAILURE_COUNT, freshnessHours, freshnessWarning, freshnessWindow, restoreTestAlarms, type AlarmSpec } from '../../core/alarms.js';
import type { Context, Contribution, Deployed } from '../../core/contribution.js';

function backupAlarms(ctx: Context, now: number): AlarmSpec[] {
  const { primary } = ctx.policy.regions;
  return ctx.policy.resources.configuration.flatMap((configuration): AlarmSpec[] => {
    const hours = freshnessHours(configuration.schedule, ctx.policy.timezone, now);
    const at = { component: 'config', resource: configuration.name, region: primary } as const;
    return [
      {
        component: 'config',
        resource: configuration.name,
        what: 'backup-age',
        region: primary,
        ...freshnessWindow(hours),
        threshold: 1,
        comparison: 'LessThanThreshold',
        metric: backupDrMetric('ConfigurationBackupsSucceeded', at, 'Sum'),
        description:
          `No successful backup of the configuration ${configuration.name} for ${hours} hours (its schedule ${configuration.schedule}, plus two hours): the stored bundle may no longer match the live parameters and secrets. ` +
          'Runbook: read the back-up-configuration alerts and logs (a failure names the error); check its schedule is enabled in EventBridge Scheduler; then invoke it with {"resources": ["' +
          configuration.name +
          '"]}.',
      },
      {
        component: 'config',
        resource: configuration.name,
        what: 'backup-failed',
        region: primary,
        ...FAILURE_COUNT,
        metric: backupDrMetric('ConfigurationBackupFailures', at, 'Sum'),
        description: `The backup of the configuration ${configuration.name} failed. Runbook: read the back-up-configuration alert (error name only: no value is ever logged); check the function may read the parameters and secrets the policy names, decrypt them, and write the config bucket with its key; the next run or change retries.`,
      },
    ];
  });
}

function restoreAlarms(ctx: Context, deployed: Deployed): AlarmSpec[] {
  if (deployed.functions['test-configuration-restore'] === undefined) return [];
  const where = `${REPORT_PREFIX.evidence} in the reports bucket of ${ctx.region}, the test-configuration-restore logs`;
  return ctx.policy.resources.configuration
    .filter((configuration) => configuration.restoreTest !== undefined)
    .flatMap((configuration) => restoreTestAlarms({ component: 'config', resource: configuration.name, region: ctx.region, kind: 'config-restore', label: 'configuration restore test', where, inconclusive: false }));
}

export const configAlarms: Contribution = {
  component: 'config',
  name: 'config/alarms',
  warnings: (ctx) => ctx.policy.resources.configuration.flatMap((c, index) => freshnessWarning(`resources.configuration[${index}].schedule`, c.schedule, ctx.policy.timezone, Date.now())),
  alarms: (ctx, deployed) => {
    const backups = deployed.functions['back-up-configuration'] === undefined ? [] : backupAlarms(ctx, Date.now());
    return alarmsOf(ctx, [...backups, ...restoreAlarms(ctx, deployed)]);
  },
};
