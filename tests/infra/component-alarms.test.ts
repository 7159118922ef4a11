// The components' alarms (deploy/components/<component>/alarms.ts), generated from a policy with several
// resources of every kind: per resource and region, the metric and exactly the dimensions its EMF record
// carries (service, component, resource, the region of what is measured, kind — tests/platform/
// metric-records.test.ts; tests/infra/metric-dimensions.test.ts holds every alarm to the catalog), the threshold from
// the resource's own objectives or the policy's, the period that fits the emitting schedule, and missing
// data breaching for freshness only (the dead man's switch) — everything else silent when nothing ran.
// Every alarm goes to the alerts topic with a one-line runbook; every state machine has an executions
// alarm; and every BackupDR metric an alarm watches is one a function writes.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVICE_DIR } from '../../deploy/bundles.js';
import type { Deployment } from '../../deploy/core/contribution.js';
import { SERVICE } from '../../shared/contracts.js';
import { deployIn, policyWith, resourcesOfType } from './deployments.js';

const policy = policyWith((doc) => {
  doc.resources.databases.push({
    name: 'ledger-db',
    instanceId: 'ledger-db-prod',
    engine: 'postgres',
    schedule: 'cron(0 */12 * * ? *)',
    backupWindow: '45min',
    retention: { withinDaily: '30d' },
    automatedBackups: { retentionDays: 35, replicateToSecondary: false },
    objectives: { rpo: '1h', rto: '4h' },
  });
  doc.resources.caches.push({ name: 'session-redis', replicationGroupId: 'session-redis-prod', schedule: 'cron(0 */12 * * ? *)', backupWindow: '3h', retention: { within: '3d' }, objectives: { rpo: '12h', rto: '1h' } });
  doc.resources.buckets.push({ name: 'uploads', bucket: 'app-uploads-prod', replicaBucket: 'app-uploads-replica-apse1', managed: false });
  doc.resources.configuration.push({ name: 'billing-config', ssmParameterPaths: ['/billing/prod/'], schedule: 'cron(0 */6 * * ? *)', retention: { withinDaily: '30d' } });
});
const { primary: PRIMARY, secondary: SECONDARY } = policy.regions;
const primary = deployIn(policy);
const secondary = deployIn(policy, SECONDARY);
const BOTH = [
  ['primary', primary, PRIMARY],
  ['secondary', secondary, SECONDARY],
] as const;

type Alarm = Record<string, any> & { id: string };
const alarms = (d: Deployment): Alarm[] => resourcesOfType(d, 'AWS::CloudWatch::Alarm').map(([id, r]) => ({ id, ...r.Properties }) as Alarm);
const named = (d: Deployment, name: string): Alarm => {
  const found = alarms(d).filter((a) => a.AlarmName === `${SERVICE}-test-${name}`);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};
const dims = (values: Record<string, string>) => [{ Name: 'service', Value: SERVICE }, ...Object.entries(values).map(([Name, Value]) => ({ Name, Value }))];
const HOUR = 3600;
/** The posture checks run daily (rds.postureSchedule): 24 h + 2 h of grace. */
const DAILY_WINDOW = { Period: HOUR, EvaluationPeriods: 26, DatapointsToAlarm: 26, TreatMissingData: 'breaching' };
const FAILURE = { Statistic: 'Sum', Period: 300, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' };

describe('every alarm', () => {
  it.each(BOTH)('%s: goes to the alerts topic, with a one-line runbook, and is named <service>-<stage>-<component>-…-<region>', (_role, d) => {
    for (const alarm of alarms(d)) {
      expect(alarm.AlarmActions, alarm.AlarmName).toEqual([{ Ref: 'AlertsTopic' }]);
      expect(alarm.AlarmDescription, alarm.AlarmName).toMatch(/\. Runbook: ./);
      expect(alarm.AlarmDescription, alarm.AlarmName).not.toContain('\n');
      expect(String(alarm.AlarmDescription).length, alarm.AlarmName).toBeLessThanOrEqual(1024);
      expect(alarm.AlarmName).toMatch(new RegExp(`^${SERVICE}-test-(rds|redis|media|config|platform)-[a-z0-9-]+-(${PRIMARY}|${SECONDARY})$`));
      expect(String(alarm.AlarmName).length).toBeLessThanOrEqual(255);
    }
  });

  it.each(BOTH)('%s: treats missing data as breaching for the freshness alarms only', (_role, d) => {
    const breaching = alarms(d).filter((a) => a.TreatMissingData === 'breaching').map((a) => a.AlarmName as string);
    const expected =
      d === primary
        ? [
            `rds-app-db-verified-copy-age-${SECONDARY}`,
            `rds-ledger-db-verified-copy-age-${SECONDARY}`,
            `redis-app-redis-verified-export-age-${PRIMARY}`,
            `redis-session-redis-verified-export-age-${PRIMARY}`,
            `media-media-replication-verified-${SECONDARY}`,
            `media-uploads-replication-verified-${SECONDARY}`,
            `config-app-config-backup-age-${PRIMARY}`,
            `config-billing-config-backup-age-${PRIMARY}`,
            `platform-schedules-not-checked-${PRIMARY}`,
          ]
        : [
            `redis-app-redis-verified-export-age-${SECONDARY}`,
            `redis-session-redis-verified-export-age-${SECONDARY}`,
            // check-failover-readiness's RPO figures (daily) and the primary watch's count (every 5 minutes): silence is the check stopping.
            ...['app-db', 'ledger-db', 'app-redis', 'session-redis', 'region-failover'].map((resource) => `platform-${resource}-failover-rpo-${SECONDARY}`),
            `platform-primary-region-not-answering-${PRIMARY}`,
            `platform-schedules-not-checked-${SECONDARY}`,
          ];
    expect(breaching.sort()).toEqual(expected.map((name) => `${SERVICE}-test-${name}`).sort());
    for (const alarm of alarms(d).filter((a) => a.TreatMissingData !== 'breaching')) expect(alarm.TreatMissingData, alarm.AlarmName).toBe('notBreaching');
  });

  it('watches only BackupDR metrics some function writes (by name, in its handler)', () => {
    const handlers = readdirSync(join(SERVICE_DIR, 'functions'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('handler.ts'))
      .map((file) => readFileSync(join(SERVICE_DIR, 'functions', file), 'utf8'))
      .join('\n');
    for (const d of [primary, secondary]) {
      for (const alarm of alarms(d).filter((a) => a.Namespace === 'BackupDR')) expect(handlers, alarm.AlarmName).toContain(`'${alarm.MetricName}'`);
    }
  });
});

describe('rds', () => {
  it('freshness: the newest verified copy in the secondary, per database, older than twice its snapshot interval (check-db-posture, daily, in the primary)', () => {
    expect(named(primary, `rds-app-db-verified-copy-age-${SECONDARY}`)).toMatchObject({
      Namespace: 'BackupDR',
      MetricName: 'NewestVerifiedCopyAgeSeconds',
      Dimensions: dims({ component: 'rds', resource: 'app-db', region: SECONDARY }),
      Statistic: 'Maximum',
      Threshold: 48 * HOUR,
      ComparisonOperator: 'GreaterThanThreshold',
      ...DAILY_WINDOW,
    });
    // Twice a day: 24 hours.
    expect(named(primary, `rds-ledger-db-verified-copy-age-${SECONDARY}`).Threshold).toBe(24 * HOUR);
    expect(alarms(secondary).filter((a) => a.MetricName === 'NewestVerifiedCopyAgeSeconds')).toEqual([]);
  });

  it('PITR lag over the RPO (its own objectives, else the policy\'s 15 min) in the primary, and in the secondary only where replicated', () => {
    expect(named(primary, `rds-app-db-pitr-lag-${PRIMARY}`)).toMatchObject({ MetricName: 'PitrLagPrimarySeconds', Dimensions: dims({ component: 'rds', resource: 'app-db', region: PRIMARY }), Statistic: 'Maximum', Threshold: 900, Period: HOUR, EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    expect(named(primary, `rds-app-db-pitr-lag-${SECONDARY}`)).toMatchObject({ MetricName: 'PitrLagSecondarySeconds', Dimensions: dims({ component: 'rds', resource: 'app-db', region: SECONDARY }), Threshold: 900 });
    expect(named(primary, `rds-ledger-db-pitr-lag-${PRIMARY}`).Threshold).toBe(HOUR);
    expect(alarms(primary).filter((a) => a.AlarmName === `${SERVICE}-test-rds-ledger-db-pitr-lag-${SECONDARY}`)).toEqual([]);
  });

  it('a copy that took longer than its window: a snapshot over 6 h old without a verified copy, per database', () => {
    for (const db of ['app-db', 'ledger-db']) {
      expect(named(primary, `rds-${db}-copy-overdue-${SECONDARY}`)).toMatchObject({ MetricName: 'CopyOverdueFindings', Dimensions: dims({ component: 'rds', resource: db, region: SECONDARY }), Statistic: 'Maximum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', Period: HOUR, TreatMissingData: 'notBreaching' });
    }
  });

  it('manual-snapshot quota above 80 % in each region (dimension region)', () => {
    for (const region of [PRIMARY, SECONDARY]) {
      expect(named(primary, `rds-manual-snapshots-quota-${region}`)).toMatchObject({ MetricName: 'ManualSnapshotQuotaPercent', Dimensions: dims({ component: 'rds', region }), Statistic: 'Maximum', Threshold: 80, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    }
  });

  it('per database: a failed snapshot (primary) and a failed copy (to the secondary); a copy that failed verification, in the secondary', () => {
    for (const db of ['app-db', 'ledger-db']) {
      expect(named(primary, `rds-${db}-snapshot-failed-${PRIMARY}`)).toMatchObject({ MetricName: 'SnapshotFailures', Dimensions: dims({ component: 'rds', resource: db, region: PRIMARY }), ...FAILURE });
      expect(named(primary, `rds-${db}-copy-failed-${SECONDARY}`)).toMatchObject({ MetricName: 'CopyFailures', Dimensions: dims({ component: 'rds', resource: db, region: SECONDARY }), ...FAILURE });
      expect(named(secondary, `rds-${db}-copy-verification-failed-${SECONDARY}`)).toMatchObject({ MetricName: 'CopyVerificationFailures', Dimensions: dims({ component: 'rds', resource: db, region: SECONDARY }), ...FAILURE });
    }
    // The restore-tested database's snapshot is requested by capture-db-manifest: the runbook says so.
    expect(named(primary, `rds-app-db-snapshot-failed-${PRIMARY}`).AlarmDescription).toContain('invoke capture-db-manifest with {"resources": ["app-db"]}');
    expect(named(primary, `rds-ledger-db-snapshot-failed-${PRIMARY}`).AlarmDescription).toContain('invoke take-db-snapshot with {"resources": ["ledger-db"]}');
  });

  it('per database, in the primary: a snapshot that took longer than its backup window (2 h by default, the database\'s own when given)', () => {
    expect(named(primary, `rds-app-db-backup-duration-${PRIMARY}`)).toMatchObject({
      MetricName: 'BackupDurationSeconds',
      Dimensions: dims({ component: 'rds', resource: 'app-db', region: PRIMARY }),
      Statistic: 'Maximum',
      Threshold: 2 * HOUR,
      ComparisonOperator: 'GreaterThanThreshold',
      Period: HOUR,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(named(primary, `rds-ledger-db-backup-duration-${PRIMARY}`).Threshold).toBe(45 * 60);
    expect(alarms(secondary).filter((a) => a.MetricName === 'BackupDurationSeconds')).toEqual([]);
  });

  it('restore tests (both regions) and PITR tests (secondary) of the tested databases: failed, inconclusive, RTO over target', () => {
    for (const [d, region] of [[primary, PRIMARY], [secondary, SECONDARY]] as const) {
      const dimensions = dims({ component: 'rds', resource: 'app-db', region, kind: 'snapshot' });
      expect(named(d, `rds-app-db-snapshot-test-failed-${region}`)).toMatchObject({ MetricName: 'RestoreTestFailed', Dimensions: dimensions, ...FAILURE });
      expect(named(d, `rds-app-db-snapshot-test-inconclusive-${region}`)).toMatchObject({ MetricName: 'RestoreTestInconclusive', Dimensions: dimensions, ...FAILURE });
      expect(named(d, `rds-app-db-snapshot-test-rto-${region}`)).toMatchObject({ MetricName: 'RestoreRtoSeconds', Dimensions: dimensions, Statistic: 'Maximum', Threshold: 2 * HOUR, TreatMissingData: 'notBreaching' });
      expect(alarms(d).filter((a) => String(a.AlarmName).includes('ledger-db') && a.MetricName.startsWith('Restore'))).toEqual([]);
    }
    expect(named(secondary, `rds-app-db-pitr-test-failed-${SECONDARY}`).Dimensions).toEqual(dims({ component: 'rds', resource: 'app-db', region: SECONDARY, kind: 'pitr' }));
    expect(alarms(primary).filter((a) => String(a.AlarmName).includes('pitr-test'))).toEqual([]);
  });
});

describe('redis', () => {
  it.each(BOTH)('%s: freshness of the newest verified export there, per cache, over its RPO + 2 h (check-cache-posture, daily, each region)', (_role, d, region) => {
    expect(named(d, `redis-app-redis-verified-export-age-${region}`)).toMatchObject({
      MetricName: 'NewestVerifiedExportAgeSeconds',
      Dimensions: dims({ component: 'redis', resource: 'app-redis', region }),
      Statistic: 'Maximum',
      Threshold: 8 * HOUR,
      ComparisonOperator: 'GreaterThanThreshold',
      ...DAILY_WINDOW,
    });
    expect(named(d, `redis-session-redis-verified-export-age-${region}`).Threshold).toBe(14 * HOUR);
    expect(named(d, `redis-session-redis-export-verification-failed-${region}`)).toMatchObject({ MetricName: 'ExportVerificationFailures', Dimensions: dims({ component: 'redis', resource: 'session-redis', region }), ...FAILURE });
  });

  it('per cache in the primary: a failed snapshot, a snapshot over its backup window, a failed export; restore tests of the tested cache in both regions', () => {
    for (const cache of ['app-redis', 'session-redis']) {
      const at = dims({ component: 'redis', resource: cache, region: PRIMARY });
      expect(named(primary, `redis-${cache}-snapshot-failed-${PRIMARY}`)).toMatchObject({ MetricName: 'CacheSnapshotFailures', Dimensions: at, ...FAILURE });
      expect(named(primary, `redis-${cache}-export-failed-${PRIMARY}`)).toMatchObject({ MetricName: 'CacheExportFailures', Dimensions: at, ...FAILURE });
      expect(named(primary, `redis-${cache}-backup-duration-${PRIMARY}`)).toMatchObject({ MetricName: 'BackupDurationSeconds', Dimensions: at, Statistic: 'Maximum', Period: HOUR, TreatMissingData: 'notBreaching' });
    }
    expect(named(primary, `redis-app-redis-backup-duration-${PRIMARY}`).Threshold).toBe(2 * HOUR);
    expect(named(primary, `redis-session-redis-backup-duration-${PRIMARY}`).Threshold).toBe(3 * HOUR);
    expect(alarms(secondary).filter((a) => ['CacheSnapshotFailures', 'CacheExportFailures', 'BackupDurationSeconds'].includes(a.MetricName))).toEqual([]);
    for (const [d, region] of [[primary, PRIMARY], [secondary, SECONDARY]] as const) {
      expect(named(d, `redis-app-redis-cache-restore-test-rto-${region}`)).toMatchObject({ MetricName: 'RestoreRtoSeconds', Dimensions: dims({ component: 'redis', resource: 'app-redis', region, kind: 'cache-restore' }), Threshold: 30 * 60 });
      expect(alarms(d).filter((a) => String(a.AlarmName).includes('session-redis-cache-restore'))).toEqual([]);
    }
  });
});

describe('backup windows', () => {
  it('warns at packaging when a cache\'s window is not longer than the reconcile interval its duration is measured at', () => {
    const tight = policyWith((doc) => {
      doc.resources.caches[0].backupWindow = '1h';
    });
    expect(deployIn(tight).warnings).toContainEqual(
      'resources.caches[0].backupWindow (1 h) is not longer than rds.reconcileSchedule\'s interval (1 h): a snapshot\'s duration is measured at those runs, so its backup-duration alarm would go off for snapshots on time',
    );
    expect(primary.warnings.filter((w) => w.includes('backupWindow'))).toEqual([]);
  });
});

describe('media (primary)', () => {
  it('per bucket: replication verified daily — a mismatch or a day and two hours without a check alarms', () => {
    for (const bucket of ['media', 'uploads']) {
      expect(named(primary, `media-${bucket}-replication-verified-${SECONDARY}`)).toMatchObject({ MetricName: 'ReplicationMismatches', Dimensions: dims({ component: 'media', resource: bucket, region: SECONDARY }), Statistic: 'Maximum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', ...DAILY_WINDOW });
    }
    // (Its schedules' alarm is check-schedules', tests/infra/schedules.test.ts.)
    expect(alarms(secondary).filter((a) => a.Namespace === 'BackupDR' && String(a.AlarmName).startsWith(`${SERVICE}-test-media-`) && !String(a.AlarmName).includes('-schedules-'))).toEqual([]);
  });

  it('per managed bucket: S3 replication latency over RTC, bytes pending an hour, failed operations, on its to-replica rule; none for a bucket another stack owns', () => {
    const s3 = [
      { Name: 'SourceBucket', Value: 'app-media-prod' },
      { Name: 'DestinationBucket', Value: 'app-media-replica-apse1' },
      { Name: 'RuleId', Value: 'to-replica' },
    ];
    expect(named(primary, `media-media-replication-latency-${SECONDARY}`)).toMatchObject({ Namespace: 'AWS/S3', MetricName: 'ReplicationLatency', Dimensions: s3, Statistic: 'Maximum', Period: 900, Threshold: 900, TreatMissingData: 'notBreaching' });
    expect(named(primary, `media-media-replication-pending-${SECONDARY}`)).toMatchObject({ Namespace: 'AWS/S3', MetricName: 'BytesPendingReplication', Dimensions: s3, Statistic: 'Minimum', Period: 900, EvaluationPeriods: 4, DatapointsToAlarm: 4, Threshold: 0 });
    expect(named(primary, `media-media-replication-failed-${SECONDARY}`)).toMatchObject({ Namespace: 'AWS/S3', MetricName: 'OperationsFailedReplication', Dimensions: s3, ...FAILURE });
    expect(alarms(primary).filter((a) => a.Namespace === 'AWS/S3' && JSON.stringify(a.Dimensions).includes('app-uploads-prod'))).toEqual([]);
  });
});

describe('config (primary)', () => {
  it('per configuration: no successful backup within its schedule interval + 2 h (missing breaching), and a failed backup', () => {
    expect(named(primary, `config-app-config-backup-age-${PRIMARY}`)).toMatchObject({ MetricName: 'ConfigurationBackupsSucceeded', Dimensions: dims({ component: 'config', resource: 'app-config', region: PRIMARY }), Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'LessThanThreshold', ...DAILY_WINDOW });
    // Every 6 hours: 8 hourly periods.
    expect(named(primary, `config-billing-config-backup-age-${PRIMARY}`)).toMatchObject({ Period: HOUR, EvaluationPeriods: 8, DatapointsToAlarm: 8, TreatMissingData: 'breaching' });
    expect(named(primary, `config-billing-config-backup-failed-${PRIMARY}`)).toMatchObject({ MetricName: 'ConfigurationBackupFailures', Dimensions: dims({ component: 'config', resource: 'billing-config', region: PRIMARY }), ...FAILURE });
    // (Its schedules' alarm is check-schedules', tests/infra/schedules.test.ts.)
    expect(alarms(secondary).filter((a) => String(a.AlarmName).startsWith(`${SERVICE}-test-config-`) && a.Namespace === 'BackupDR' && !String(a.AlarmName).includes('-schedules-'))).toEqual([]);
  });

  it('the weekly restore test of a tested configuration: failed (no inconclusive verdict, no RTO)', () => {
    expect(named(primary, `config-app-config-config-restore-test-failed-${PRIMARY}`)).toMatchObject({ MetricName: 'RestoreTestFailed', Dimensions: dims({ component: 'config', resource: 'app-config', region: PRIMARY, kind: 'config-restore' }), ...FAILURE });
    expect(alarms(primary).filter((a) => String(a.AlarmName).includes('config-restore-test-') && !String(a.AlarmName).includes('-failed-'))).toEqual([]);
    expect(alarms(primary).filter((a) => String(a.AlarmName).includes('billing-config-config-restore'))).toEqual([]);
  });

  it('warns at packaging when a schedule is rarer than a freshness alarm can look back (7 days), and caps the window there', () => {
    const weekly = policyWith((doc) => {
      doc.resources.configuration[0].schedule = 'cron(0 3 ? * MON *)';
    });
    const d = deployIn(weekly);
    expect(d.warnings).toContainEqual(expect.stringContaining('resources.configuration[0].schedule (cron(0 3 ? * MON *)) runs less often than every 166 hours'));
    expect(named(d, `config-app-config-backup-age-${PRIMARY}`)).toMatchObject({ Period: HOUR, EvaluationPeriods: 168, DatapointsToAlarm: 168 });
  });
});

describe('state machines', () => {
  it.each(BOTH)('%s: every machine alarms on executions that failed, timed out or were aborted (metric math, gaps filled with 0)', (_role, d, region) => {
    for (const [name, machine] of Object.entries(d.stateMachines)) {
      const found = alarms(d).filter((a) => a.id === `${machine.id}ExecutionsAlarm`);
      expect(found, name).toHaveLength(1);
      const alarm = found[0]!;
      expect(alarm.AlarmName).toMatch(new RegExp(`^${SERVICE}-test-(rds|redis|media|config|platform)-${name}-executions-failed-${region}$`));
      expect(alarm.Metrics.map((m: any) => m.MetricStat?.Metric.MetricName ?? m.Expression)).toEqual(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted', 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)']);
      for (const metric of alarm.Metrics.slice(0, 3)) expect(metric.MetricStat).toMatchObject({ Metric: { Namespace: 'AWS/States', Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machine.id } }] }, Period: 300, Stat: 'Sum' });
      expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    }
    expect(Object.keys(d.stateMachines).length).toBeGreaterThan(0);
  });
});
