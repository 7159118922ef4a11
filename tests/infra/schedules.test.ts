// The schedules of a region's deployment and their check, without packaging: every EventBridge Scheduler
// schedule gets a stable name (function or state machine, then its one resource or period), unique in
// the region and at most 64 characters; check-schedules is deployed in both regions that run functions,
// daily, told exactly those names by component (DECLARED_SCHEDULES), allowed ListSchedules ('*': no
// resource-level permission) and its posture memory only; and its alarms — per component with schedules,
// PostureFindings above 0; SchedulesChecked silent for a day and two hours (missing data breaching).

import { describe, expect, it } from 'vitest';
import { buildDeployment, CONTRIBUTIONS } from '../../deploy/assemble.js';
import { PackagingError } from '../../deploy/core/cloudformation.js';
import { scheduleKey, scheduleName, SCHEDULE_NAME_LIMIT } from '../../deploy/core/schedules.js';
import { scheduled, type Contribution, type Deployment } from '../../deploy/core/contribution.js';
import { ENV, SERVICE } from '../../shared/contracts.js';
import { parseDeclaredSchedules } from '../../shared/schedule/declared.js';
import { deployIn, policyWith, resourcesOfType, statementsOf } from './deployments.js';

const policy = policyWith();
const { primary: PRIMARY, secondary: SECONDARY } = policy.regions;
const primary = deployIn(policy);
const secondary = deployIn(policy, SECONDARY);
const P = `${SERVICE}-test-`;

/** Every schedule of a deployment by name, as the template will have it: [name, function or state machine]. */
function scheduleNames(d: Deployment): [string, string][] {
  return [
    ...Object.entries(d.functions).flatMap(([fn, config]) => config.events.flatMap((e) => ('schedule' in e ? [[e.schedule.name!, fn] as [string, string]] : []))),
    ...Object.entries(d.stateMachines).flatMap(([machine, config]) => config.events.map((e) => [e.schedule.name, machine] as [string, string])),
  ];
}

const alarms = (d: Deployment) => resourcesOfType(d, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
const alarmNamed = (d: Deployment, name: string) => alarms(d).find((a) => a.AlarmName === `${P}${name}`);
const dims = (values: Record<string, string>) => [{ Name: 'service', Value: SERVICE }, ...Object.entries(values).map(([Name, Value]) => ({ Name, Value }))];

describe('schedule names', () => {
  it('names each schedule after its function or state machine, and the one resource or period it runs for', () => {
    expect(scheduleNames(primary).sort()).toEqual(
      [
        ['janitor', 'janitor'],
        ['daily-checklist-daily', 'daily-checklist'],
        ['daily-checklist-weekly', 'daily-checklist'],
        ['daily-checklist-monthly', 'daily-checklist'],
        ['check-schedules', 'check-schedules'],
        ['copy-db-snapshots', 'copy-db-snapshots'],
        ['prune-db-snapshots', 'prune-db-snapshots'],
        ['check-db-posture', 'check-db-posture'],
        ['capture-db-manifest-app-db', 'capture-db-manifest'],
        ['capture-db-manifest', 'capture-db-manifest'],
        ['check-db-anomalies', 'check-db-anomalies'],
        ['take-cache-snapshot-app-redis', 'take-cache-snapshot'],
        ['capture-cache-manifest-app-redis', 'capture-cache-manifest'],
        ['export-cache-snapshots', 'export-cache-snapshots'],
        ['verify-cache-exports', 'verify-cache-exports'],
        ['prune-cache-backups', 'prune-cache-backups'],
        ['check-cache-posture', 'check-cache-posture'],
        ['verify-media-replication', 'verify-media-replication'],
        ['check-media-posture', 'check-media-posture'],
        ['back-up-configuration-app-config', 'back-up-configuration'],
        ['prune-configuration-bundles', 'prune-configuration-bundles'],
        ['test-configuration-restore-app-config', 'test-configuration-restore'],
        ['restore-test-app-db', 'restore-test'],
        ['cache-restore-test-app-redis', 'cache-restore-test'],
      ]
        .map(([name, owner]) => [`${P}${name}`, owner])
        .sort(),
    );
    expect(scheduleNames(secondary).map(([name]) => name)).toContain(`${P}pitr-test-app-db`);
  });

  it('keeps the names of the other schedules when a resource is added (a renamed schedule would be replaced)', () => {
    const more = deployIn(policyWith((doc) => doc.resources.caches.push({ ...doc.resources.caches[0], name: 'session-redis', replicationGroupId: 'session-redis-prod' })));
    const before = scheduleNames(primary).map(([name]) => name);
    const after = scheduleNames(more).map(([name]) => name);
    expect(after.filter((name) => !before.includes(name)).sort()).toEqual([`${P}cache-restore-test-session-redis`, `${P}capture-cache-manifest-session-redis`, `${P}take-cache-snapshot-session-redis`]);
    expect(before.filter((name) => !after.includes(name))).toEqual([]);
  });

  it('keys a schedule by its one resource, its resource or its period, and by nothing else', () => {
    expect([{ resources: ['app-db'], scheduledTime: 'x' }, { resource: 'app-redis' }, { period: 'weekly' }, { resources: ['a', 'b'] }, { reconcile: true }, undefined].map(scheduleKey)).toEqual(['app-db', 'app-redis', 'weekly', undefined, undefined, undefined]);
  });

  it('shortens a name over 64 characters to 55 and 8 hex of its hash: stable, and distinct for distinct resources', () => {
    const full = 'backup-dr-production-eu1-test-configuration-restore-billing-configuration-of-the-shop';
    const long = scheduleName('production-eu1', 'test-configuration-restore', 'billing-configuration-of-the-shop');
    expect(long.slice(0, 55)).toBe(full.slice(0, 55));
    expect(long.slice(55)).toMatch(/^-[0-9a-f]{8}$/);
    expect(long).toHaveLength(SCHEDULE_NAME_LIMIT);
    expect(scheduleName('production-eu1', 'test-configuration-restore', 'billing-configuration-of-the-shop')).toBe(long);
    expect(scheduleName('production-eu1', 'test-configuration-restore', 'billing-configuration-of-the-shoq')).not.toBe(long);
    expect(scheduleName('prod', 'janitor', undefined)).toBe('backup-dr-prod-janitor');
  });

  it('refuses to package two schedules of one region with one name', () => {
    const twice: Contribution = {
      component: 'test',
      name: 'test/twice',
      functions: {
        'run-twice': {
          roles: ['primary'],
          invokedBy: 'async',
          description: 'two schedules that nothing tells apart',
          timeout: 60,
          memorySize: 128,
          events: (ctx) => [scheduled(ctx, 'rate(1 hour)', 'one'), scheduled(ctx, 'rate(2 hours)', 'two')],
          statements: () => [],
        },
      },
    };
    expect(() => buildDeployment({ policy, region: PRIMARY, stage: 'test', policySource: 't', policyFile: 'p' }, [...CONTRIBUTIONS, twice])).toThrow(
      new PackagingError(`two schedules would be named ${P}run-twice (run-twice): give the resources distinct names`),
    );
  });
});

describe('check-schedules', () => {
  it.each([
    ['primary', primary, PRIMARY],
    ['secondary', secondary, SECONDARY],
  ] as const)('%s: runs daily at the posture schedule, told every schedule of its region by component', (_role, d, region) => {
    const fn = d.functions['check-schedules']!;
    expect(fn).toMatchObject({ handler: 'functions/platform/check-schedules/handler.handler', maximumRetryAttempts: 1 });
    expect(fn.events.map((e) => ('schedule' in e ? [e.schedule.rate, e.schedule.timezone, e.schedule.name] : e))).toEqual([[[policy.rds.postureSchedule], 'Asia/Tokyo', `${P}check-schedules`]]);
    const encoded = fn.environment?.[ENV.declaredSchedules];
    // A plain string, not a CloudFormation value: packaging knows every name.
    expect(typeof encoded).toBe('string');
    const declared = parseDeclaredSchedules(encoded as string, P);
    const byComponent: Record<string, string[]> = {};
    for (const s of d.schedules) (byComponent[s.component] ??= []).push(s.name);
    expect(declared).toEqual(byComponent);
    expect(Object.values(declared).flat().sort()).toEqual(scheduleNames(d).map(([name]) => name).sort());
    expect(declared['platform']).toContain(`${P}check-schedules`);
    expect(d.schedules.find((s) => s.owner === 'restore-test' || s.owner === 'pitr-test')?.component).toBe('rds');
    expect(region).toBe(d.region);
  });

  it('is not deployed in the archive region (nothing runs there)', () => {
    expect(deployIn(policy, policy.regions.archive).functions['check-schedules']).toBeUndefined();
  });

  it('may list schedules (no resource-level permission: *) and keep its memory under posture/ of its reports bucket, nothing more', () => {
    const statements = statementsOf(primary, 'check-schedules');
    // What every asynchronous function gets besides (alerts topic, failure queue) comes after its own.
    const common = statementsOf(primary, 'janitor').slice(-4);
    expect(statements.slice(-4)).toEqual(common);
    expect(statements.slice(0, -4)).toEqual([
      { Effect: 'Allow', Action: ['scheduler:ListSchedules'], Resource: ['*'] },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ReportsBucket}/posture/*' }] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [{ 'Fn::GetAtt': ['ReportsBucket', 'Arn'] }] },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [{ 'Fn::GetAtt': ['ServiceKey', 'Arn'] }], Condition: { StringEquals: { 'kms:ViaService': `s3.${PRIMARY}.amazonaws.com` } } },
    ]);
    expect(statementsOf(primary, 'check-schedules').flatMap((s) => s.Action).filter((a) => a.startsWith('scheduler:'))).toEqual(['scheduler:ListSchedules']);
  });
});

describe('alarms of the schedules', () => {
  it.each([
    ['primary', primary, PRIMARY, ['platform', 'rds', 'redis', 'media', 'config']],
    ['secondary', secondary, SECONDARY, ['platform', 'rds', 'redis', 'media', 'config']],
  ] as const)('%s: one per component with schedules, on PostureFindings (component, resource, region) above 0, judged in the hour it arrives', (_role, d, region, components) => {
    const found = alarms(d).filter((a) => a.MetricName === 'PostureFindings' && String(a.AlarmName).includes('-schedules-'));
    expect(found.map((a) => a.AlarmName).sort()).toEqual(components.map((c) => `${P}${c}-schedules-not-enabled-${region}`).sort());
    for (const component of components) {
      expect(alarmNamed(d, `${component}-schedules-not-enabled-${region}`)).toMatchObject({
        Namespace: 'BackupDR',
        Dimensions: dims({ component, resource: 'schedules', region }),
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        Period: 3600,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'AlertsTopic' }],
        OKActions: [{ Ref: 'AlertsTopic' }],
      });
    }
  });

  it.each([
    ['primary', primary, PRIMARY],
    ['secondary', secondary, SECONDARY],
  ] as const)('%s: the dead man\'s switch — SchedulesChecked missing for 26 hours is breaching', (_role, d, region) => {
    const alarm = alarmNamed(d, `platform-schedules-not-checked-${region}`);
    expect(alarm).toMatchObject({
      Namespace: 'BackupDR',
      MetricName: 'SchedulesChecked',
      Dimensions: dims({ component: 'platform', resource: 'schedules', region }),
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      Period: 3600,
      EvaluationPeriods: 26,
      DatapointsToAlarm: 26,
      TreatMissingData: 'breaching',
    });
    expect(alarm?.AlarmDescription).toContain(`${P}check-schedules`);
  });
});
