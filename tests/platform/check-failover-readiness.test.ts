// The failover readiness check: every way region-failover could bring a resource up in the secondary,
// judged pure (each gap, fresh against stale at the objective's edge, the path failover would take and
// the RPO it gives), then read from the secondary's APIs only (aws-sdk-client-mock: the exact commands),
// alerted once per change through the posture memory, and written as readiness/latest.json.

import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeCacheSubnetGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeDBInstanceAutomatedBackupsCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, DescribeDBSubnetGroupsCommand, RDSClient, type DBInstanceAutomatedBackup } from '@aws-sdk/client-rds';
import { GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkFailoverReadiness, type ReadinessDeps, type ReadinessReport } from '../../functions/platform/check-failover-readiness/check-failover-readiness.js';
import { judgeCache, judgeConfiguration, judgeDatabase, judgeKey, judgeRegion, type DatabaseInput, type ResourceReadiness } from '../../functions/platform/check-failover-readiness/plan.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const MIN = 60_000;
const HOUR = 60 * MIN;
// 10:00 in Tokyo: the daily 02:00 snapshot is 8 h old.
const NOW = Date.parse('2026-12-03T10:00:00+09:00');
const policy = teamPolicy();
const db = policy.resources.databases[0]!;
const cache = policy.resources.caches[0]!;
const DB_RPO = policy.objectives.database.rpo;
const DB_GROUP = db.failover!.securityGroups[0]!;
const CACHE_GROUP = cache.failover!.securityGroups[0]!;
const SOURCE_ARN = `arn:aws:rds:${PRIMARY}:123456789012:db:${db.instanceId}`;

const replicating = (latest: number): DBInstanceAutomatedBackup => ({ DBInstanceArn: SOURCE_ARN, Status: 'replicating', RestoreWindow: { LatestTime: new Date(latest) } });
const checks = (r: ResourceReadiness) => r.gaps.map((g) => `${g.severity} ${g.check}`);

const dbInput = (over: Partial<DatabaseInput> = {}): DatabaseInput => ({
  db,
  secondary: SECONDARY,
  now: NOW,
  rpoTarget: DB_RPO,
  copyAgeLimit: 48 * HOUR,
  replicated: [replicating(NOW - 5 * MIN)],
  newestVerifiedCopy: NOW - 8 * HOUR,
  subnetGroup: { status: 'Complete', vpcId: 'vpc-1' },
  secret: { deletedDate: undefined },
  securityGroups: new Map([[DB_GROUP, { vpcId: 'vpc-1' }]]),
  ...over,
});

describe('judgeDatabase', () => {
  it('is ready through the replicated backups: the RPO is how far behind they are, the copy a fallback', () => {
    const r = judgeDatabase(dbInput());
    expect(r.gaps).toEqual([]);
    expect(r.rpo).toBe(5 * MIN);
    expect(r.source).toBe('automated-backups');
    expect(r.items.map((i) => [i.check, i.status])).toEqual([
      ['automated-backups', 'ok'],
      ['snapshot-copy', 'ok'],
      ['subnet-group', 'ok'],
      ['security-groups', 'ok'],
      ['credentials-secret', 'ok'],
    ]);
  });

  it('is fresh at exactly the RPO and a critical gap a minute past it', () => {
    expect(judgeDatabase(dbInput({ replicated: [replicating(NOW - DB_RPO)] })).gaps).toEqual([]);
    const stale = judgeDatabase(dbInput({ replicated: [replicating(NOW - DB_RPO - MIN)] }));
    expect(stale.gaps).toEqual([expect.objectContaining({ severity: 'critical', check: 'rpo', summary: 'failover of app-db now would lose 16 min of data (via automated-backups; RPO target 15 min)' })]);
  });

  it('without replicated backups falls back to the verified copy, and says what that costs', () => {
    const r = judgeDatabase(dbInput({ replicated: [{ ...replicating(NOW), Status: 'retained' }] }));
    expect(checks(r)).toEqual(['critical automated-backups', 'critical rpo']);
    expect(r.source).toBe('snapshot-copy');
    expect(r.rpo).toBe(8 * HOUR);
    expect(r.gaps[1]!.action).toMatch(/Only a snapshot copy is usable/);
  });

  it('with nothing to restore from, has no RPO at all', () => {
    const r = judgeDatabase(dbInput({ replicated: [], newestVerifiedCopy: null }));
    expect(checks(r)).toEqual(['critical automated-backups', 'critical snapshot-copy', 'critical rpo']);
    expect(r.rpo).toBeNull();
    expect(r.gaps.at(-1)!.summary).toBe(`region-failover could not bring app-db up in ${SECONDARY}: no replica, no replicated backups, no verified copy`);
  });

  it('flags a verified copy older than twice the snapshot interval, as a warning while PITR is there', () => {
    expect(checks(judgeDatabase(dbInput({ newestVerifiedCopy: NOW - 48 * HOUR })))).toEqual([]);
    expect(checks(judgeDatabase(dbInput({ newestVerifiedCopy: NOW - 49 * HOUR })))).toEqual(['warning snapshot-copy']);
  });

  it('names a missing or incomplete subnet group, and a secret that is gone or being deleted', () => {
    expect(judgeDatabase(dbInput({ subnetGroup: null })).gaps[0]).toEqual(expect.objectContaining({ severity: 'critical', summary: `DB subnet group app-db-dr does not exist in ${SECONDARY}` }));
    expect(checks(judgeDatabase(dbInput({ subnetGroup: { status: 'Incomplete', vpcId: 'vpc-1' } })))).toEqual(['warning subnet-group']);
    expect(judgeDatabase(dbInput({ secret: null })).gaps[0]).toEqual(expect.objectContaining({ severity: 'critical', summary: `credentials secret backup-dr/app-db-master does not exist in ${SECONDARY}` }));
    expect(judgeDatabase(dbInput({ secret: { deletedDate: NOW } })).gaps[0]!.summary).toBe(`credentials secret backup-dr/app-db-master in ${SECONDARY} is scheduled for deletion`);
  });

  it('without failover settings uses the restore test\'s secondary network, and with none named at all says so', () => {
    const bare = teamPolicy((doc) => {
      const d = doc.resources.databases[0];
      delete d.failover;
      delete d.restoreTest.secondary;
      delete d.pitrTest;
    }).resources.databases[0]!;
    const r = judgeDatabase(dbInput({ db: bare, subnetGroup: undefined }));
    expect(checks(r)).toEqual(['warning subnet-group', 'warning security-groups']);
    // The primary's secret name still applies (a replicated secret keeps its name).
    expect(r.items.find((i) => i.check === 'credentials-secret')!.status).toBe('ok');
  });

  it('security groups: each named one must exist in the secondary, in the subnet group\'s VPC', () => {
    const missing = judgeDatabase(dbInput({ securityGroups: new Map() }));
    expect(checks(missing)).toEqual(['critical security-groups']);
    expect(missing.gaps[0]!.summary).toBe(`security group ${DB_GROUP} of the database app-db does not exist in ${SECONDARY}`);
    const elsewhere = judgeDatabase(dbInput({ securityGroups: new Map([[DB_GROUP, { vpcId: 'vpc-9' }]]) }));
    expect(elsewhere.gaps[0]!.summary).toBe(`security group ${DB_GROUP} of the database app-db is not in the subnet group's VPC vpc-1 in ${SECONDARY}: a restore there would be refused`);
    // Without a subnet group (the VPC unknown) existence is all that can be judged.
    expect(checks(judgeDatabase(dbInput({ subnetGroup: null, securityGroups: new Map([[DB_GROUP, { vpcId: 'vpc-9' }]]) })))).toEqual(['critical subnet-group']);
  });

  describe('with a read replica to promote', () => {
    const withReplica = teamPolicy((doc) => {
      doc.resources.databases[0].failover.readReplica = 'app-db-replica';
    }).resources.databases[0]!;
    const replica = { DBInstanceIdentifier: 'app-db-replica', DBInstanceStatus: 'available', StatusInfos: [{ StatusType: 'read replication', Status: 'replicating', Normal: true }] };

    it('takes the replica and its lag as the RPO', () => {
      const r = judgeDatabase(dbInput({ db: withReplica, replica, replicaLagSeconds: 30 }));
      expect(r.gaps).toEqual([]);
      expect([r.source, r.rpo]).toEqual(['read-replica', 30_000]);
    });

    it('is a gap when the replica is missing, not replicating, or reports no lag — failover then restores the backups', () => {
      const missing = judgeDatabase(dbInput({ db: withReplica, replica: null, replicaLagSeconds: null }));
      expect(checks(missing)).toEqual(['critical read-replica']);
      expect(missing.source).toBe('automated-backups');
      const stopped = judgeDatabase(dbInput({ db: withReplica, replica: { ...replica, StatusInfos: [{ StatusType: 'read replication', Status: 'error', Normal: false, Message: 'binlog gone' }] }, replicaLagSeconds: 5 }));
      expect(stopped.gaps[0]!.summary).toBe(`read replica app-db-replica in ${SECONDARY} is not replicating (available, replication error: binlog gone)`);
      expect(checks(judgeDatabase(dbInput({ db: withReplica, replica, replicaLagSeconds: null })))).toEqual(['warning read-replica']);
    });

    it('judges the replica\'s lag against the RPO even when the backups are fresher (failover promotes the replica)', () => {
      const r = judgeDatabase(dbInput({ db: withReplica, replica, replicaLagSeconds: 20 * 60 }));
      expect(checks(r)).toEqual(['critical rpo']);
      expect(r.rpo).toBe(20 * MIN);
    });
  });
});

describe('judgeCache, judgeConfiguration, judgeKey, judgeRegion', () => {
  const RPO = policy.objectives.redis.rpo;
  const ALLOW = 2 * HOUR;
  const base = { cache, secondary: SECONDARY, now: NOW, rpoTarget: RPO, allowance: ALLOW, subnetGroup: { status: undefined, vpcId: 'vpc-1' }, securityGroups: new Map([[CACHE_GROUP, { vpcId: 'vpc-1' }]]) };

  it('a cache: the newest verified export is the RPO, fresh to the RPO plus the pipeline allowance', () => {
    const at = (age: number) => ({ name: 'backup-dr-app-redis-20261203-0600', takenAt: NOW - age });
    expect(judgeCache({ ...base, newestVerifiedExport: at(RPO + ALLOW) })).toEqual(expect.objectContaining({ gaps: [], rpo: RPO + ALLOW, source: 'backup-dr-app-redis-20261203-0600' }));
    expect(checks(judgeCache({ ...base, newestVerifiedExport: at(RPO + ALLOW + MIN) }))).toEqual(['critical export']);
    const none = judgeCache({ ...base, newestVerifiedExport: null });
    expect([checks(none), none.rpo]).toEqual([['critical export'], null]);
    expect(judgeCache({ ...base, newestVerifiedExport: at(HOUR), subnetGroup: null }).gaps[0]!.summary).toBe(`cache subnet group app-redis-dr does not exist in ${SECONDARY}`);
  });

  it('a configuration: a bundle must be there with the metadata a restore checks; its age is reported, not judged', () => {
    expect(judgeConfiguration('app-config', SECONDARY, NOW, { capturedAt: NOW - 30 * 24 * HOUR, hasChecksum: true, versionId: 'v1' }).gaps).toEqual([]);
    expect(checks(judgeConfiguration('app-config', SECONDARY, NOW, null))).toEqual(['critical bundle']);
    expect(judgeConfiguration('app-config', SECONDARY, NOW, { capturedAt: NOW, hasChecksum: false, versionId: 'v1' }).gaps[0]!.summary).toMatch(/lacks its bundle-sha256 metadata/);
  });

  it('the backup key: enabled, or a critical gap naming its state', () => {
    expect(judgeKey('alias/k', SECONDARY, { keyState: 'Enabled' }).gaps).toEqual([]);
    expect(judgeKey('alias/k', SECONDARY, { keyState: 'PendingDeletion' }).gaps[0]).toEqual(expect.objectContaining({ severity: 'critical', action: expect.stringMatching(/cancel-key-deletion/) }));
    expect(checks(judgeKey('alias/k', SECONDARY, { keyState: 'Disabled' }))).toEqual(['critical kms-key']);
    expect(checks(judgeKey('alias/k', SECONDARY, { error: 'NotFoundException' }))).toEqual(['critical kms-key']);
    expect(checks(judgeKey('alias/k', SECONDARY, { error: 'AccessDeniedException' }))).toEqual(['warning kms-key']);
  });

  it('the region: the worst RPO it governs against regionFailover, or the resources it could not bring up', () => {
    const target = policy.objectives.regionFailover.rpo;
    const dbOk = judgeDatabase(dbInput());
    const cacheAt = (age: number) => judgeCache({ ...base, newestVerifiedExport: { name: 'x', takenAt: NOW - age } });
    // A 3-hour-old export is within Redis' own 6 h objective, looser than the region's 1 h: judged by its own.
    const fine = judgeRegion([dbOk, cacheAt(3 * HOUR)], SECONDARY, target);
    expect([fine.gaps, fine.rpo]).toEqual([[], 5 * MIN]);
    const over = judgeRegion([judgeDatabase(dbInput({ replicated: [replicating(NOW - 90 * MIN)] })), cacheAt(HOUR)], SECONDARY, target);
    expect(over.gaps[0]!.summary).toBe(`region-failover to ${SECONDARY} now would lose up to 90 min of data (app-db; regionFailover RPO 60 min)`);
    const impossible = judgeRegion([judgeDatabase(dbInput({ replicated: [], newestVerifiedCopy: null })), cacheAt(HOUR)], SECONDARY, target);
    expect([impossible.gaps[0]!.summary, impossible.rpo]).toEqual([`region-failover to ${SECONDARY} could not bring up app-db`, null]);
  });
});

describe('check-failover-readiness', () => {
  const rds = new RDSClient({ region: SECONDARY });
  const elasticache = new ElastiCacheClient({ region: SECONDARY });
  const secrets = new SecretsManagerClient({ region: SECONDARY });
  const kms = new KMSClient({ region: SECONDARY });
  const cloudwatch = new CloudWatchClient({ region: SECONDARY });
  const s3 = new S3Client({ region: SECONDARY });
  const ec2 = new EC2Client({ region: SECONDARY });
  const mocks = { ec2: mockClient(ec2), rds: mockClient(rds), ec: mockClient(elasticache), sm: mockClient(secrets), kms: mockClient(kms), cw: mockClient(cloudwatch), s3: mockClient(s3) };
  /** The reports bucket's objects (posture memory, the report), with ETags like S3's conditional writes. */
  let objects: Map<string, { body: string; etag: string }>;

  const copy = { DBSnapshotIdentifier: 'backup-dr-app-db-20261203-0200', Status: 'available', SnapshotCreateTime: new Date(Date.parse('2026-12-03T02:05:00+09:00')), OriginalSnapshotCreateTime: new Date(Date.parse('2026-12-03T02:00:00+09:00')), TagList: [{ Key: 'backup-dr:owner', Value: 'backup-dr' }, { Key: 'backup-dr:policy', Value: 'production' }, { Key: 'backup-dr:resource', Value: 'app-db' }, { Key: 'backup-dr:tier', Value: 'copy' }, { Key: 'backup-dr:verified-at', Value: '2026-12-03T03:00:00Z' }] };

  function healthy(): void {
    mocks.rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [copy] });
    mocks.rds.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({ DBInstanceAutomatedBackups: [replicating(NOW - 4 * MIN), { DBInstanceArn: `arn:aws:rds:${PRIMARY}:123456789012:db:other`, Status: 'replicating', RestoreWindow: { LatestTime: new Date(NOW - 3 * HOUR) } }] });
    mocks.rds.on(DescribeDBSubnetGroupsCommand).resolves({ DBSubnetGroups: [{ DBSubnetGroupName: 'app-db-dr', SubnetGroupStatus: 'Complete', VpcId: 'vpc-dr' }] });
    mocks.sm.on(DescribeSecretCommand).resolves({ Name: 'backup-dr/app-db-master' });
    mocks.ec.on(DescribeCacheSubnetGroupsCommand).resolves({ CacheSubnetGroups: [{ CacheSubnetGroupName: 'app-redis-dr', VpcId: 'vpc-dr' }] });
    mocks.s3.on(ListObjectsV2Command, { Bucket: 'exports' }).resolves({ Contents: ['backup-dr-app-redis-20261203-0600-0001.rdb', 'backup-dr-app-redis-20261203-0600.parts-0001', 'backup-dr-app-redis-20261203-0000-0001.rdb', 'backup-dr-app-redis-20261203-0000.parts-0001'].map((Key) => ({ Key })) });
    mocks.s3.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: `backup-dr:verified-at:${SECONDARY}`, Value: 'x' }] });
    mocks.s3.on(HeadObjectCommand, { Bucket: 'config' }).resolves({ Metadata: { 'bundle-sha256': 'abc', 'captured-at': '2026-12-02T18:00:00.000Z' }, VersionId: 'v7' });
    mocks.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k1', KeyState: 'Enabled' } });
    mocks.ec2.on(DescribeSecurityGroupsCommand).callsFake(async (input: { Filters: { Values: string[] }[] }) => ({ SecurityGroups: input.Filters[0]!.Values.map((GroupId) => ({ GroupId, VpcId: 'vpc-dr' })) }));
  }

  beforeEach(() => {
    for (const m of Object.values(mocks)) m.reset();
    objects = new Map();
    let etags = 0;
    mocks.s3.on(GetObjectCommand, { Bucket: 'reports' }).callsFake(async (input: { Key: string }) => {
      const object = objects.get(input.Key);
      if (object === undefined) throw Object.assign(new Error('none'), { name: 'NoSuchKey' });
      return { Body: { transformToString: async () => object.body } as never, ETag: object.etag };
    });
    mocks.s3.on(PutObjectCommand, { Bucket: 'reports' }).callsFake(async (input: { Key: string; Body: string; IfMatch?: string; IfNoneMatch?: string }) => {
      const current = objects.get(input.Key);
      if ((input.IfNoneMatch === '*' && current !== undefined) || (input.IfMatch !== undefined && current?.etag !== input.IfMatch)) throw Object.assign(new Error('precondition'), { name: 'PreconditionFailed' });
      const etag = `"e${++etags}"`;
      objects.set(input.Key, { body: input.Body, etag });
      return { ETag: etag };
    });
  });

  const run = async (now = NOW, withMemory = true) => {
    const alerts = new RecordingAlerts();
    const deps: ReadinessDeps = { policy, stage: 'test', rds, elasticache, secrets, kms, cloudwatch, ec2, s3, buckets: { exports: 'exports', config: 'config', reports: 'reports' }, alerts, ...(withMemory ? { memory: { s3, bucket: 'reports' } } : {}), log: new RecordingLog(), now: () => now };
    const outcome = await checkFailoverReadiness(deps);
    return { alerts: alerts.published, outcome, written: JSON.parse(objects.get('readiness/latest.json')?.body ?? 'null') as ReadinessReport | null };
  };

  it('takes a verified copy only for a copy (tier copy), not for a replaced instance\'s final snapshot in the secondary', async () => {
    healthy();
    const final = { ...copy, DBSnapshotIdentifier: 'bdr-final-bdr-rec-app-db-202612030300', OriginalSnapshotCreateTime: new Date(NOW - HOUR), TagList: copy.TagList.map((t) => (t.Key === 'backup-dr:tier' ? { ...t, Value: 'final' } : t)) };
    mocks.rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [final] });
    const { outcome } = await run();
    const db = outcome.resources.find((r) => r.component === 'database' && r.resource === 'app-db');
    expect(db?.items.find((i) => i.check === 'snapshot-copy')).toMatchObject({ status: 'gap', summary: `no verified snapshot copy of app-db in ${SECONDARY}` });
  });

  it('asks the secondary exactly what failover needs, alerts nothing when all is there, and writes the report', async () => {
    healthy();
    const { alerts, outcome, written } = await run();
    expect(alerts).toEqual([]);
    expect(mocks.rds.commandCalls(DescribeDBSnapshotsCommand).map((c) => c.args[0].input)).toEqual([{ SnapshotType: 'manual', MaxRecords: 100 }]);
    expect(mocks.rds.commandCalls(DescribeDBInstanceAutomatedBackupsCommand).map((c) => c.args[0].input)).toEqual([{ MaxRecords: 100 }]);
    expect(mocks.rds.commandCalls(DescribeDBSubnetGroupsCommand).map((c) => c.args[0].input)).toEqual([{ DBSubnetGroupName: 'app-db-dr' }]);
    // No replica is named: no instance is described and no lag is read.
    expect(mocks.rds.commandCalls(DescribeDBInstancesCommand)).toEqual([]);
    expect(mocks.cw.commandCalls(GetMetricDataCommand)).toEqual([]);
    expect(mocks.sm.commandCalls(DescribeSecretCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'backup-dr/app-db-master' }]);
    expect(mocks.ec.commandCalls(DescribeCacheSubnetGroupsCommand).map((c) => c.args[0].input)).toEqual([{ CacheSubnetGroupName: 'app-redis-dr' }]);
    expect(mocks.s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: 'config', Key: 'config/app-config/bundle.json' }]);
    expect(mocks.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: 'alias/backup-dr-test' }]);
    expect(mocks.ec2.commandCalls(DescribeSecurityGroupsCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [{ Name: 'group-id', Values: [DB_GROUP] }], MaxResults: 1000 },
      { Filters: [{ Name: 'group-id', Values: [CACHE_GROUP] }], MaxResults: 1000 },
    ]);
    const put = mocks.s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input).find((i) => i.Key === 'readiness/latest.json');
    expect(put).toEqual(expect.objectContaining({ Bucket: 'reports', ContentType: 'application/json', ServerSideEncryption: 'aws:kms' }));
    expect(written).toEqual(outcome.report);
    expect(written).toEqual(
      expect.objectContaining({ format: 1, checkedAt: '2026-12-03T01:00:00.000Z', primary: PRIMARY, secondary: SECONDARY, ready: true, gaps: 0, critical: 0, unchecked: 0, rpoSeconds: 240, rpoTargetSeconds: 3600 }),
    );
    expect(written!.resources.map((r) => [r.component, r.resource, r.rpoSeconds, r.rpoTargetSeconds, r.source])).toEqual([
      ['database', 'app-db', 240, 900, 'automated-backups'],
      ['cache', 'app-redis', 4 * 3600, 6 * 3600, 'backup-dr-app-redis-20261203-0600'],
      ['configuration', 'app-config', null, null, 'v7'],
      ['kms', 'backup-key', null, null, null],
      ['region', 'region-failover', 240, 3600, null],
    ]);
  });

  it('reads a named read replica and its lag (AWS/RDS ReplicaLag) in the secondary', async () => {
    healthy();
    const withReplica = teamPolicy((doc) => {
      doc.resources.databases[0].failover.readReplica = 'app-db-replica';
    });
    mocks.rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'app-db-replica', DBInstanceStatus: 'available', StatusInfos: [{ StatusType: 'read replication', Status: 'replicating', Normal: true }] }] });
    mocks.cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag', Values: [12, 30] }] });
    const alerts = new RecordingAlerts();
    const outcome = await checkFailoverReadiness({ policy: withReplica, stage: 'test', rds, elasticache, secrets, kms, cloudwatch, ec2, s3, buckets: { exports: 'exports', config: 'config', reports: 'reports' }, alerts, log: new RecordingLog(), now: () => NOW + 30_000 });
    expect(mocks.rds.commandCalls(DescribeDBInstancesCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: 'app-db-replica' }]);
    expect(mocks.cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input)).toEqual([
      {
        StartTime: new Date(NOW - 15 * MIN),
        EndTime: new Date(NOW),
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [{ Id: 'lag', MetricStat: { Metric: { Namespace: 'AWS/RDS', MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'app-db-replica' }] }, Period: 60, Stat: 'Maximum' }, ReturnData: true }],
      },
    ]);
    expect(outcome.resources[0]).toEqual(expect.objectContaining({ source: 'read-replica', rpo: 12_000 }));
  });

  it('alerts each gap once, stays silent while it lasts, and resolves it when fixed', async () => {
    healthy();
    mocks.rds.on(DescribeDBSubnetGroupsCommand).rejects(Object.assign(new Error('gone'), { name: 'DBSubnetGroupNotFoundFault' }));
    mocks.sm.on(DescribeSecretCommand).rejects(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }));
    mocks.s3.on(HeadObjectCommand, { Bucket: 'config' }).rejects(Object.assign(new Error('404'), { name: 'NotFound' }));
    mocks.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k1', KeyState: 'PendingDeletion' } });

    const first = await run();
    expect(first.alerts.map((a) => [a.severity, a.kind, a.resource, a.region, a.details?.check])).toEqual([
      ['critical', 'failover-readiness', 'app-db', SECONDARY, 'subnet-group'],
      ['critical', 'failover-readiness', 'app-db', SECONDARY, 'credentials-secret'],
      ['critical', 'failover-readiness', 'app-config', SECONDARY, 'bundle'],
      ['critical', 'failover-readiness', 'backup-key', SECONDARY, 'kms-key'],
    ]);
    expect(first.written).toEqual(expect.objectContaining({ ready: false, gaps: 4, critical: 4 }));
    expect([...objects.keys()].filter((k) => k.startsWith('posture/'))).toEqual([
      `posture/failover/${SECONDARY}/app-db.json`,
      `posture/failover/${SECONDARY}/app-redis.json`,
      `posture/failover/${SECONDARY}/app-config.json`,
      `posture/failover/${SECONDARY}/backup-key.json`,
      `posture/failover/${SECONDARY}/region-failover.json`,
    ]);

    // Run again (on demand) ten minutes later: the same gaps — nothing new to say.
    const second = await run(NOW + 10 * MIN);
    expect(second.alerts).toEqual([]);
    expect(second.written!.gaps).toBe(4);

    // Fixed: the subnet group, the secret and the key are back; each gap resolves once.
    healthy();
    const third = await run(NOW + 11 * MIN);
    expect(third.alerts.map((a) => [a.severity, a.resource, a.summary])).toEqual([
      ['info', 'app-db', `resolved: DB subnet group app-db-dr does not exist in ${SECONDARY}`],
      ['info', 'app-db', `resolved: credentials secret backup-dr/app-db-master does not exist in ${SECONDARY}`],
      ['info', 'app-config', `resolved: no configuration bundle of app-config in ${SECONDARY}: failover could not restore the configuration`],
      ['info', 'backup-key', `resolved: backup key alias/backup-dr-test in ${SECONDARY} is PendingDeletion, not Enabled: nothing encrypted with it can be restored`],
    ]);
  });

  it('run twice at once, alerts a gap once: the loser of the conditional write reads again', async () => {
    healthy();
    mocks.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k1', KeyState: 'Disabled' } });
    const [a, b] = await Promise.all([run(), run()]);
    expect([...a.alerts, ...b.alerts].filter((x) => x.resource === 'backup-key').map((x) => x.details?.check)).toEqual(['kms-key']);
  });

  it('fails loudly on an error it does not understand, before writing a report', async () => {
    healthy();
    mocks.rds.on(DescribeDBInstanceAutomatedBackupsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(run()).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(objects.has('readiness/latest.json')).toBe(false);
  });
});
