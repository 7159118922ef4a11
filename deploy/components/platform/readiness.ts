// Packaging time only: the failover readiness check and the watch on the primary region
// (functions/platform/check-failover-readiness, functions/platform/watch-primary-region) — in the
// secondary only, and only with the policy's `recovery` section — with least-privilege IAM, their
// schedules, and their alarms:
// - check-failover-readiness, daily on recovery.readinessSchedule (and by hand): reads in the secondary
//   only — automated backups, snapshots, the named replica (and its ReplicaLag), subnet groups, the
//   credentials secrets (DescribeSecret: metadata, never the value), the security groups, the backup key (DescribeKey), the
//   export bucket's listing and tags, the bundles' metadata (HeadObject); writes readiness/latest.json and
//   its posture memory. Alarms per resource: gaps found (FailoverReadinessGaps > 0) and, for databases,
//   caches and the region as a whole, the RPO failover would give against the objective — missing data
//   breaching over the schedule's interval + 2 h, so a check that stopped running is heard too.
// - watch-primary-region, every 5 minutes: DescribeDBInstances / DescribeReplicationGroups of the sources
//   in the primary (their ARNs only), its state object under readiness/, and with
//   primaryHealth.proposeFailover states:StartExecution on region-failover only. Alarm: the primary not
//   answering for failuresBeforeAlert rounds, or the watch itself silent as long.
//
// AWS facts relied on (service authorization reference): DescribeDBSubnetGroups authorizes on the subnet
// group (subgrp:<name>), DescribeCacheSubnetGroups on subnetgroup:<name>, DescribeSecret on the secret,
// DescribeKey on the key, GetMetricData and ec2:DescribeSecurityGroups on no resource ('*'); HeadObject needs s3:GetObject, and answers
// 404 for a missing key only with s3:ListBucket (else 403); StartExecution authorizes on the state machine.

import { configBucketName, ENV, exportBucketName, PREFIX, PRIMARY_WATCH_STATE_KEY, READINESS_REPORT_KEY, REPORT_PREFIX, SERVICE, stateMachineName } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { cacheFailoverSettings, databaseFailoverSettings, READINESS_RESOURCE } from '../../../shared/policy/failover-settings.js';
import { PIPELINE_ALLOWANCE_MS } from '../../../shared/redis/exports.js';
import { alarmsOf, backupDrMetric, freshnessHours, freshnessWindow, DAILY_SAMPLE, seconds, spoken, type AlarmSpec } from '../../core/alarms.js';
import { ACCOUNT, elastiCacheArn, LOGICAL_ID, nonEmpty, PARTITION, rdsArn, secretArn, sub, unique, type CfnValue, type Statement } from '../../core/cloudformation.js';
import { scheduled, type Context, type Contribution, type Deployed, type FunctionSpec } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { postureMemoryStatements, reportsBucketArn, serviceKeyViaS3 } from '../../platform/reports-bucket.js';

export const READINESS = 'check-failover-readiness';
export const WATCH = 'watch-primary-region';
/** The watch's schedule: every 5 minutes (the issue's cadence; failuresBeforeAlert rounds make the alert delay). */
export const WATCH_SCHEDULE = 'rate(5 minutes)';
/** The runbook the watch proposes (state-machines/platform: region-failover). */
const REGION_FAILOVER = 'region-failover';

const hasRecovery = (ctx: Context): boolean => ctx.policy.recovery !== undefined;
const recovery = (ctx: Context): NonNullable<Policy['recovery']> => ctx.policy.recovery!;
/** Something to watch: a health URL, or a database or cache whose primary API can be asked. */
const hasProbes = (ctx: Context): boolean => hasRecovery(ctx) && (recovery(ctx).primaryHealth.urls.length > 0 || ctx.policy.resources.databases.length > 0 || ctx.policy.resources.caches.length > 0);

/** One object of this region's reports bucket, by key. */
const reportsObject = (key: string): CfnValue => sub(`arn:${PARTITION}:s3:::\${${LOGICAL_ID.reportsBucket}}/${key}`);
const regionFailoverArn = (ctx: Context): CfnValue => sub(`arn:${PARTITION}:states:${ctx.secondary}:${ACCOUNT}:stateMachine:${stateMachineName(ctx.stage, REGION_FAILOVER)}`);

function readinessStatements(ctx: Context): Statement[] {
  const { databases, caches, configuration } = ctx.policy.resources;
  const region = ctx.secondary;
  const dbSettings = databases.map(databaseFailoverSettings);
  const replicas = unique(dbSettings.flatMap((s) => (s.readReplica === undefined ? [] : [s.readReplica])));
  const dbSubnetGroups = unique(dbSettings.flatMap((s) => (s.subnetGroup === undefined ? [] : [s.subnetGroup])));
  const cacheSubnetGroups = unique(caches.flatMap((c) => cacheFailoverSettings(c).subnetGroup ?? []));
  const secrets = unique(dbSettings.flatMap((s) => (s.credentialsSecret === undefined ? [] : [s.credentialsSecret])));
  const groupsNamed = [...dbSettings, ...caches.map(cacheFailoverSettings)].some((settings) => settings.securityGroups.length > 0);
  const exportBucket = exportBucketName(ctx.stage, ACCOUNT, region);
  const configBucket = configBucketName(ctx.stage, ACCOUNT, region);
  return nonEmpty([
    // Our copies (DescribeDBSnapshots authorizes on snapshots and instances) and the replicated automated backups, in the secondary.
    { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: databases.length === 0 ? [] : [rdsArn(region, 'snapshot:*'), rdsArn(region, 'db:*')] },
    { Effect: 'Allow', Action: ['rds:DescribeDBInstanceAutomatedBackups'], Resource: databases.length === 0 ? [] : [rdsArn(region, 'auto-backup:*'), rdsArn(region, 'db:*')] },
    { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: replicas.map((id) => rdsArn(region, `db:${id}`)) },
    // ReplicaLag of the named replicas: GetMetricData has no resource-level permission.
    ...(replicas.length === 0 ? [] : [{ Effect: 'Allow' as const, Action: ['cloudwatch:GetMetricData'], Resource: ['*' as CfnValue] }]),
    { Effect: 'Allow', Action: ['rds:DescribeDBSubnetGroups'], Resource: dbSubnetGroups.map((name) => rdsArn(region, `subgrp:${name}`)) },
    { Effect: 'Allow', Action: ['elasticache:DescribeCacheSubnetGroups'], Resource: cacheSubnetGroups.map((name) => elastiCacheArn(region, `subnetgroup:${name}`)) },
    { Effect: 'Allow', Action: ['secretsmanager:DescribeSecret'], Resource: secrets.map((name) => secretArn(region, name)) },
    // Whether the named security groups exist in the secondary, and in which VPC: EC2's Describe* actions have no resource-level permission.
    ...(groupsNamed ? [{ Effect: 'Allow' as const, Action: ['ec2:DescribeSecurityGroups'], Resource: ['*' as CfnValue] }] : []),
    // Whether the secondary's backup key is enabled (DescribeKey resolves an alias).
    ...keyStatements(ctx, ['secondary'], ['kms:DescribeKey'], false),
    // The verified exports in the secondary's export bucket: listing and our objects' tags only.
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: caches.length === 0 ? [] : [sub(`arn:${PARTITION}:s3:::${exportBucket}`)] },
    { Effect: 'Allow', Action: ['s3:GetObjectTagging'], Resource: caches.length === 0 ? [] : [sub(`arn:${PARTITION}:s3:::${exportBucket}/${PREFIX.snapshot}-*`)] },
    // The bundles' metadata (HeadObject): no body is read, so no key is used; ListBucket makes a missing bundle a 404.
    { Effect: 'Allow', Action: ['s3:GetObject'], Resource: configuration.length === 0 ? [] : [sub(`arn:${PARTITION}:s3:::${configBucket}/config/*`)] },
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: configuration.length === 0 ? [] : [sub(`arn:${PARTITION}:s3:::${configBucket}`)], Condition: { StringLike: { 's3:prefix': ['config/*'] } } },
    // The report region-failover reads (one key), and what it last alerted.
    { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObject(READINESS_REPORT_KEY)] },
    ...postureMemoryStatements(ctx),
  ]);
}

function watchStatements(ctx: Context): Statement[] {
  const { databases, caches } = ctx.policy.resources;
  return nonEmpty([
    // The probes: one cheap read of each source in the primary.
    { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: databases.map((db) => rdsArn(ctx.primary, `db:${db.instanceId}`)) },
    { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups'], Resource: caches.map((c) => elastiCacheArn(ctx.primary, `replicationgroup:${c.replicationGroupId}`)) },
    // Its state: one object, read and conditionally written; ListBucket so that none yet is a 404.
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [reportsObject(PRIMARY_WATCH_STATE_KEY)] },
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()], Condition: { StringLike: { 's3:prefix': [`${REPORT_PREFIX.readiness}*`] } } },
    serviceKeyViaS3(ctx, ['kms:GenerateDataKey', 'kms:Decrypt']),
    ...(recovery(ctx).primaryHealth.proposeFailover ? [{ Effect: 'Allow' as const, Action: ['states:StartExecution'], Resource: [regionFailoverArn(ctx)] }] : []),
  ]);
}

const FUNCTIONS = {
  [READINESS]: {
    roles: ['secondary'],
    deployedWhen: hasRecovery,
    invokedBy: 'async',
    description: 'Daily and on demand: is everything region-failover needs in this region there and fresh, with the RPO it would give; each gap an alert, the verdict in its report for region-failover',
    // Listings of snapshots, automated backups and exports (a tag read per export object), a few Describes per resource.
    timeout: 300,
    memorySize: 256,
    environment: (ctx) => ({ [ENV.exportBucket]: sub(exportBucketName(ctx.stage, ACCOUNT, ctx.region)), [ENV.configBucket]: sub(configBucketName(ctx.stage, ACCOUNT, ctx.region)) }),
    events: (ctx) => [scheduled(ctx, recovery(ctx).readinessSchedule, `${SERVICE}: failover readiness of ${ctx.secondary}`)],
    statements: readinessStatements,
  },
  [WATCH]: {
    roles: ['secondary'],
    deployedWhen: hasProbes,
    invokedBy: 'async',
    description: 'Every 5 minutes: probes the primary region (health URLs, RDS and ElastiCache APIs); alerts when it stops answering and when it answers again; with proposeFailover starts region-failover (which waits for approval)',
    // Probes run at once, each at most 5 s; the state read and written twice at most.
    timeout: 60,
    memorySize: 256,
    environment: (ctx) => ({ [ENV.regionFailoverArn]: regionFailoverArn(ctx) }),
    events: (ctx) => [scheduled(ctx, WATCH_SCHEDULE, `${SERVICE}: is the primary region ${ctx.primary} answering?`, { scheduledTime: '<aws.scheduler.scheduled-time>' })],
    statements: watchStatements,
  },
} satisfies Record<string, FunctionSpec>;

export type ReadinessFunction = keyof typeof FUNCTIONS;

/** FailoverReadinessGaps and FailoverRpoSeconds of a resource as check-failover-readiness's handler records them (the catalog's dimensions). */
const readinessWhere = (ctx: Context, resource: string) => ({ component: 'platform' as const, resource, region: ctx.region });

function readinessAlarms(ctx: Context, now: number): AlarmSpec[] {
  const { policy } = ctx;
  const hours = freshnessHours(recovery(ctx).readinessSchedule, policy.timezone, now);
  const runbook = `Runbook: read the ${READINESS} alert and s3://…reports…/${READINESS_REPORT_KEY} in ${ctx.region}; fix the gap it names, then run ${READINESS} again (Lambda console, Test with {}).`;
  const gaps = (component: string, resource: string): AlarmSpec => ({
    component: 'platform',
    resource,
    what: 'failover-readiness-gaps',
    ...DAILY_SAMPLE,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
    metric: backupDrMetric('FailoverReadinessGaps', readinessWhere(ctx, resource), 'Maximum'),
    description: `Region-failover to ${ctx.region} is missing something ${resource === READINESS_RESOURCE.region ? 'for the region as a whole' : `for ${resource}`} (a replica, backups, a copy, an export, a bundle, a subnet group, a secret or the key). ${runbook}`,
  });
  const rpo = (component: string, resource: string, limit: number, what: string): AlarmSpec => ({
    component: 'platform',
    resource,
    what: 'failover-rpo',
    ...freshnessWindow(hours),
    threshold: seconds(limit),
    comparison: 'GreaterThanThreshold',
    metric: backupDrMetric('FailoverRpoSeconds', readinessWhere(ctx, resource), 'Maximum'),
    description: `A failover to ${ctx.region} now would lose more than ${spoken(limit)} of ${what}, could not bring it up at all, or ${READINESS} has reported nothing for ${hours} hours. ${runbook}`,
  });
  return [
    ...policy.resources.databases.flatMap((db) => [gaps('database', db.name), rpo('database', db.name, db.objectives?.rpo ?? policy.objectives.database.rpo, `${db.name}'s data`)]),
    ...policy.resources.caches.flatMap((cache) => [gaps('cache', cache.name), rpo('cache', cache.name, (cache.objectives?.rpo ?? policy.objectives.redis.rpo) + PIPELINE_ALLOWANCE_MS, `${cache.name}'s data`)]),
    ...policy.resources.configuration.map((c) => gaps('configuration', c.name)),
    gaps('kms', READINESS_RESOURCE.key),
    gaps('region', READINESS_RESOURCE.region),
    ...(policy.resources.databases.length + policy.resources.caches.length > 0 ? [rpo('region', READINESS_RESOURCE.region, policy.objectives.regionFailover.rpo, 'data (the worst resource under the regionFailover objective)')] : []),
  ];
}

function watchAlarm(ctx: Context): AlarmSpec {
  const health = recovery(ctx).primaryHealth;
  return {
    component: 'platform',
    resource: 'primary-region',
    what: 'not-answering',
    region: ctx.primary,
    // Every round records the count of failed rounds in a row: as many silent 5-minute periods alarm too (the watch stopped).
    period: 300,
    evaluationPeriods: health.failuresBeforeAlert,
    datapointsToAlarm: health.failuresBeforeAlert,
    missing: 'breaching',
    threshold: health.failuresBeforeAlert - 0.5,
    comparison: 'GreaterThanThreshold',
    metric: backupDrMetric('PrimaryConsecutiveFailures', { component: 'platform', region: ctx.primary }, 'Maximum'),
    description: `Nothing in ${ctx.primary} (health URLs, RDS and ElastiCache APIs) has answered ${WATCH} for ${health.failuresBeforeAlert} rounds in a row, or the watch itself has not run for ${health.failuresBeforeAlert * 5} minutes. Runbook: check the AWS Health Dashboard for ${ctx.primary}; read the ${WATCH} alert and logs in ${ctx.region}; if the region is down, run ${stateMachineName(ctx.stage, REGION_FAILOVER)} in ${ctx.region} with {"mode": "failover"} (it asks for approval).`,
  };
}

export const platformReadiness = {
  component: 'platform',
  name: 'platform/readiness',
  functions: FUNCTIONS,
  alarms: (ctx: Context, deployed: Deployed) =>
    alarmsOf(ctx, [...(deployed.functions[READINESS] === undefined ? [] : readinessAlarms(ctx, Date.now())), ...(deployed.functions[WATCH] === undefined ? [] : [watchAlarm(ctx)])]),
} as const satisfies Contribution;
