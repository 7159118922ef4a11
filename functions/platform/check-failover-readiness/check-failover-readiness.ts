// The failover readiness check (plan.ts judges): reads, in the secondary region only, what
// region-failover would bring each resource up from — the read replica and its lag, the replicated
// automated backups, our verified snapshot copies, the verified Redis exports, the configuration bundles
// — and what it needs around them (subnet groups, security groups, the credentials secret, the backup key). Each gap is an
// alert, once and again only when it changes (shared/alerts/posture-memory.ts, component "failover");
// the whole verdict is written to readiness/latest.json in the secondary's reports bucket, where
// region-failover's assess step may read it. Nothing is changed, and nothing in the primary is asked:
// it must answer the day the primary is gone.

import { DescribeSecurityGroupsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeCacheSubnetGroupsCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DescribeDBSubnetGroupsCommand, type DBSnapshot, type RDSClient } from '@aws-sdk/client-rds';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Alert } from '../../../shared/alerts/alert.js';
import { publishPosture, type PostureAlerting, type PostureOutcome, type PostureScope } from '../../../shared/alerts/posture-memory.js';
import { configBundleKey, EXPORT_TAG, READINESS_REPORT_KEY, serviceKeyAlias } from '../../../shared/contracts.js';
import { captureTime } from '../../../shared/config/retention.js';
import { errorName } from '../../../shared/errors.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import { describeInstance, replicatedBackupsOf } from '../../../shared/rds/automated-backups.js';
import { isVerified, listOwnedSnapshots, snapshotsOf } from '../../../shared/rds/snapshots.js';
import { exportStates } from '../../../shared/redis/export-objects.js';
import { PIPELINE_ALLOWANCE_MS } from '../../../shared/redis/exports.js';
import { backupTime } from '../../../shared/redis/retention.js';
import { isBackupOf } from '../../../shared/redis/snapshots.js';
import type { Log } from '../../../shared/runtime/log.js';
import { parseScheduleExpression, typicalInterval } from '../../../shared/schedule/expression.js';
import { cacheFailoverSettings, databaseFailoverSettings } from '../../../shared/policy/failover-settings.js';
import { judgeCache, judgeConfiguration, judgeDatabase, judgeKey, judgeRegion, type BundleFound, type KeyFound, type ResourceReadiness, type SecretFound, type SecurityGroupsFound, type SubnetGroupFound } from './plan.js';

export const SOURCE = 'check-failover-readiness';
/** The posture memory's component: every gap of this check, per resource, in the secondary region. */
export const COMPONENT = 'failover';
/** How far back a read replica's ReplicaLag is looked for (it is published every minute). */
const REPLICA_LAG_WINDOW_MS = 15 * 60_000;

export interface ReadinessDeps extends PostureAlerting {
  readonly policy: Policy;
  readonly stage: string;
  /** The secondary region's clients: the only region this check reads. */
  readonly rds: RDSClient;
  readonly elasticache: ElastiCacheClient;
  readonly secrets: SecretsManagerClient;
  readonly kms: KMSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly ec2: EC2Client;
  readonly s3: S3Client;
  /** The secondary's buckets: the exports (replicas of the primary's), the configuration bundles (replicas), the reports. */
  readonly buckets: { readonly exports: string; readonly config: string; readonly reports: string };
  readonly log: Log;
  readonly now: () => number;
}

/** The report written to readiness/latest.json (seconds and ISO times: read by people and by region-failover). */
export interface ReadinessReport {
  readonly format: 1;
  readonly checkedAt: string;
  readonly primary: string;
  readonly secondary: string;
  /** No gap at all (an unchecked item is no gap, and no pass either: see `unchecked`). */
  readonly ready: boolean;
  readonly gaps: number;
  readonly critical: number;
  readonly unchecked: number;
  /** The worst RPO of the databases and caches now (s), null when one could not be brought up at all. */
  readonly rpoSeconds: number | null;
  readonly rpoTargetSeconds: number;
  readonly resources: readonly {
    readonly component: ResourceReadiness['component'];
    readonly resource: string;
    readonly rpoSeconds: number | null;
    readonly rpoTargetSeconds: number | null;
    readonly source: string | null;
    readonly items: ResourceReadiness['items'];
    readonly gaps: ResourceReadiness['gaps'];
  }[];
}

export interface ReadinessOutcome {
  readonly report: ReadinessReport;
  readonly resources: readonly ResourceReadiness[];
  readonly alerting: PostureOutcome;
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));

/** Twice the snapshot interval (a daily snapshot tolerates one missed day), as check-db-posture judges the copies. */
function copyAgeLimit(db: DatabaseResource, timeZone: string, now: number): number {
  const interval = typicalInterval(parseScheduleExpression(db.schedule), timeZone, now);
  return Number.isFinite(interval) ? 2 * interval : 2 * 86_400_000;
}

/** When the data of the newest verified copy of `db` was taken, null when there is none. */
function newestVerifiedCopy(db: DatabaseResource, copies: readonly DBSnapshot[]): number | null {
  // Copies only (tier copy): a replaced instance's final snapshot in this region is no backup.
  const times = snapshotsOf(db, 'secondary', copies).filter(isVerified).map((c) => c.OriginalSnapshotCreateTime?.getTime() ?? c.SnapshotCreateTime?.getTime() ?? 0);
  return times.length === 0 ? null : Math.max(...times);
}

async function dbSubnetGroup(rds: RDSClient, name: string | undefined): Promise<SubnetGroupFound | null | undefined> {
  if (name === undefined) return undefined;
  try {
    const group = (await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }))).DBSubnetGroups?.[0];
    return group === undefined ? null : { status: group.SubnetGroupStatus, vpcId: group.VpcId };
  } catch (error) {
    if (errorName(error) === 'DBSubnetGroupNotFoundFault') return null;
    throw error;
  }
}

async function cacheSubnetGroup(elasticache: ElastiCacheClient, name: string | undefined): Promise<SubnetGroupFound | null | undefined> {
  if (name === undefined) return undefined;
  try {
    const group = (await elasticache.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: name }))).CacheSubnetGroups?.[0];
    return group === undefined ? null : { status: undefined, vpcId: group.VpcId };
  } catch (error) {
    if (errorName(error) === 'CacheSubnetGroupNotFoundFault') return null;
    throw error;
  }
}

/**
 * The named security groups that exist, with their VPC. Filtered by group-id rather than asked by
 * GroupIds: the latter fails the whole call (InvalidGroup.NotFound) at the first unknown id, the filter
 * simply leaves it out. Paged (MaxResults 5–1000 with a filter).
 */
async function securityGroups(ec2: EC2Client, ids: readonly string[]): Promise<SecurityGroupsFound> {
  const found = new Map<string, { vpcId: string | undefined }>();
  if (ids.length === 0) return found;
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [...ids] }], MaxResults: 1000, ...(NextToken === undefined ? {} : { NextToken }) }));
    for (const group of page.SecurityGroups ?? []) if (group.GroupId !== undefined) found.set(group.GroupId, { vpcId: group.VpcId });
    NextToken = page.NextToken;
  } while (NextToken !== undefined);
  return found;
}

/** DescribeSecret: metadata only, never the value. A secret scheduled for deletion still answers, with DeletedDate. */
async function secret(client: SecretsManagerClient, name: string | undefined): Promise<SecretFound | null | undefined> {
  if (name === undefined) return undefined;
  try {
    const described = await client.send(new DescribeSecretCommand({ SecretId: name }));
    return { deletedDate: described.DeletedDate?.getTime() };
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return null;
    throw error;
  }
}

/** The newest ReplicaLag datapoint (s) of a replica in the window, null when none (AWS/RDS, per DBInstanceIdentifier). */
async function replicaLag(cloudwatch: CloudWatchClient, instanceId: string, now: number): Promise<number | null> {
  const end = new Date(Math.floor(now / 60_000) * 60_000);
  const response = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(end.getTime() - REPLICA_LAG_WINDOW_MS),
      EndTime: end,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [{ Id: 'lag', MetricStat: { Metric: { Namespace: 'AWS/RDS', MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: instanceId }] }, Period: 60, Stat: 'Maximum' }, ReturnData: true }],
    }),
  );
  return response.MetricDataResults?.[0]?.Values?.[0] ?? null;
}

/** The current version of a bundle's metadata (HeadObject: no body read, nothing decrypted), null when there is none. */
async function bundleOf(s3: S3Client, bucket: string, name: string): Promise<BundleFound | null> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: configBundleKey(name) }));
    return { capturedAt: captureTime(head.Metadata), hasChecksum: head.Metadata?.['bundle-sha256'] !== undefined, versionId: head.VersionId };
  } catch (error) {
    // HeadObject has no body to carry an error code: a missing key is a bare 404, "NotFound" (a 403 without s3:ListBucket).
    if (errorName(error) === 'NotFound' || errorName(error) === 'NoSuchKey') return null;
    throw error;
  }
}

async function keyState(kms: KMSClient, keyName: string): Promise<KeyFound> {
  try {
    return { keyState: (await kms.send(new DescribeKeyCommand({ KeyId: keyName }))).KeyMetadata?.KeyState };
  } catch (error) {
    return { error: errorName(error) };
  }
}

export async function checkFailoverReadiness(deps: ReadinessDeps): Promise<ReadinessOutcome> {
  const { policy } = deps;
  const now = deps.now();
  const { primary, secondary } = policy.regions;
  const resources: ResourceReadiness[] = [];

  const copies = policy.resources.databases.length === 0 ? [] : await listOwnedSnapshots(deps.rds, { ownerTag: policy.tags.owner, policyName: policy.name });
  for (const db of policy.resources.databases) {
    const settings = databaseFailoverSettings(db);
    const replica = settings.readReplica === undefined ? undefined : await describeInstance(deps.rds, settings.readReplica);
    resources.push(
      judgeDatabase({
        db,
        secondary,
        now,
        rpoTarget: db.objectives?.rpo ?? policy.objectives.database.rpo,
        copyAgeLimit: copyAgeLimit(db, policy.timezone, now),
        ...(replica === undefined ? {} : { replica, replicaLagSeconds: replica === null || settings.readReplica === undefined ? null : await replicaLag(deps.cloudwatch, settings.readReplica, now) }),
        // Found by the source's ARN (region and identifier): no call to the primary.
        replicated: await replicatedBackupsOf(deps.rds, primary, db.instanceId),
        newestVerifiedCopy: newestVerifiedCopy(db, copies),
        subnetGroup: await dbSubnetGroup(deps.rds, settings.subnetGroup),
        secret: await secret(deps.secrets, settings.credentialsSecret),
        securityGroups: await securityGroups(deps.ec2, settings.securityGroups),
      }),
    );
  }

  if (policy.resources.caches.length > 0) {
    const exports = await exportStates({ s3: deps.s3, bucket: deps.buckets.exports, region: secondary }, EXPORT_TAG.verifiedIn(secondary));
    for (const cache of policy.resources.caches) {
      let newest: { name: string; takenAt: number } | null = null;
      for (const [name, state] of exports) {
        if (!state.verified || !isBackupOf(name, cache, policy.timezone)) continue;
        const takenAt = backupTime(name, cache.name, policy.timezone);
        if (takenAt !== null && (newest === null || takenAt > newest.takenAt)) newest = { name, takenAt };
      }
      resources.push(
        judgeCache({
          cache,
          secondary,
          now,
          rpoTarget: cache.objectives?.rpo ?? policy.objectives.redis.rpo,
          allowance: PIPELINE_ALLOWANCE_MS,
          newestVerifiedExport: newest,
          subnetGroup: await cacheSubnetGroup(deps.elasticache, cacheFailoverSettings(cache).subnetGroup),
          securityGroups: await securityGroups(deps.ec2, cacheFailoverSettings(cache).securityGroups),
        }),
      );
    }
  }

  for (const configuration of policy.resources.configuration) {
    resources.push(judgeConfiguration(configuration.name, secondary, now, await bundleOf(deps.s3, deps.buckets.config, configuration.name)));
  }

  const keyName = policy.kms.secondary ?? serviceKeyAlias(deps.stage);
  resources.push(judgeKey(keyName, secondary, await keyState(deps.kms, keyName)));
  resources.push(judgeRegion(resources, secondary, policy.objectives.regionFailover.rpo));

  // Every resource is a scope, with or without gaps: one without any now resolves what it had.
  const scopes: PostureScope[] = resources.map((r) => ({
    resource: r.resource,
    region: secondary,
    findings: r.gaps.map((gap): Alert => ({ severity: gap.severity, kind: 'failover-readiness', resource: r.resource, region: secondary, summary: gap.summary, action: gap.action, source: SOURCE, at: now, details: { check: gap.check, component: r.component } })),
  }));
  const alerting = await publishPosture(deps, COMPONENT, SOURCE, scopes, now);

  const gaps = resources.flatMap((r) => r.gaps);
  const region = resources.find((r) => r.component === 'region');
  const report: ReadinessReport = {
    format: 1,
    checkedAt: new Date(now).toISOString(),
    primary,
    secondary,
    ready: gaps.length === 0,
    gaps: gaps.length,
    critical: gaps.filter((g) => g.severity === 'critical').length,
    unchecked: resources.flatMap((r) => r.items).filter((i) => i.status === 'unchecked').length,
    rpoSeconds: seconds(region?.rpo ?? null),
    rpoTargetSeconds: Math.round(policy.objectives.regionFailover.rpo / 1000),
    resources: resources.map((r) => ({ component: r.component, resource: r.resource, rpoSeconds: seconds(r.rpo), rpoTargetSeconds: seconds(r.rpoTarget), source: r.source ?? null, items: r.items, gaps: r.gaps })),
  };
  await deps.s3.send(new PutObjectCommand({ Bucket: deps.buckets.reports, Key: READINESS_REPORT_KEY, Body: JSON.stringify(report, null, 2), ContentType: 'application/json', ServerSideEncryption: 'aws:kms' }));
  deps.log.info('failover readiness', { ready: report.ready, gaps: report.gaps, critical: report.critical, rpoSeconds: report.rpoSeconds });
  return { report, resources, alerting };
}
