// Executions of the region-failover state machine from its ASL file with the cache's branch running for
// real: ElastiCache answered by the stand-in (sandbox/aws/elasticache-standin.ts), whose seeded groups are
// real redis-servers started on the exported RDB (written by SAVE on a "production" server), validated by
// the real validate-cache-restore against the manifest captured with the snapshot. The database branch
// runs its real handlers on mocked RDS (validation faked, as in region-failover.sm.test.ts); S3 is an
// in-memory store by bucket and key, so a resumed run reads what the failed one recorded.

import { readFileSync } from 'node:fs';
import { DeleteDBInstanceCommand, DescribeDBInstanceAutomatedBackupsCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient, RestoreDBInstanceToPointInTimeCommand } from '@aws-sdk/client-rds';
import { GetObjectCommand, GetObjectTaggingCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as assess } from '../../../functions/platform/failover-assess/handler.js';
import { handler as notify } from '../../../functions/platform/failover-notify/handler.js';
import { handler as progress } from '../../../functions/platform/failover-progress/handler.js';
import { handler as report } from '../../../functions/platform/failover-report/handler.js';
import { handler as dbRestore } from '../../../functions/rds/failover-db-restore/handler.js';
import { handler as dbStatus } from '../../../functions/rds/failover-db-status/handler.js';
import { handler as dbTeardown } from '../../../functions/rds/restore-test-teardown/handler.js';
import { handler as cacheStatus } from '../../../functions/redis/cache-restore-test-status/handler.js';
import { handler as cacheTeardown } from '../../../functions/redis/cache-restore-test-teardown/handler.js';
import { handler as cacheSeed } from '../../../functions/redis/failover-cache-seed/handler.js';
import { handler as validateCache } from '../../../functions/redis/validate-cache-restore/handler.js';
import { createClock, type ManualClock } from '../../../sandbox/aws/clock.js';
import { ElastiCacheStandIn } from '../../../sandbox/aws/elasticache-standin.js';
import { RedisDataPlane } from '../../../sandbox/aws/redis-data-plane.js';
import { asTask, runLocally, type LocalTask } from '../../../sandbox/step-functions/asl.js';
import { snsAlertSink } from '../../../shared/alerts/sns.js';
import { EXPORT_TAG, manifestKey, TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { ValidationSummary } from '../../../shared/rds/restore-run.js';
import { captureRedisManifest } from '../../../shared/redis/manifest.js';
import { log, logger, metrics, setRuntime } from '../../../shared/runtime/lambda.js';
import { regionFailoverDefinition } from '../../../state-machines/platform/region-failover.js';
import { redisServerAvailable, startRedis, type TestRedis } from '../../helpers/redis.js';
import { teamPolicy } from '../../helpers/runtime.js';
import { PRIMARY, SECONDARY } from '../../rds/helpers/rds-fixtures.js';

const START = Date.parse('2026-12-03T18:00:00+09:00');
const NEWEST = 'backup-dr-app-redis-20261203-1200';
const NEWEST_AT = Date.parse('2026-12-03T12:00:00+09:00');
const REPORTS = 'backup-dr-reports-test-123456789012-ap-southeast-1';
const EXPORTS = 'backup-dr-exports-test-123456789012-ap-southeast-1';
const TOPIC = 'arn:aws:sns:ap-southeast-1:123456789012:backup-dr-alerts-test';
const BACKUPS_ARN = 'arn:aws:rds:ap-southeast-1:123456789012:auto-backup:ab-1';
const REHEARSAL_GROUP = 'bdr-rh-app-redis-202612031800';
const up = redisServerAvailable();

const rdsMock = mockClient(RDSClient);
const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
const ssmMock = mockClient(SSMClient);
const sfnMock = mockClient(SFNClient);
const smMock = mockClient(SecretsManagerClient);

const objects = new Map<string, { body: Buffer; tags: Record<string, string> }>();
const put = (bucket: string, key: string, body: Buffer | string, tags: Record<string, string> = {}) => objects.set(`${bucket}/${key}`, { body: Buffer.from(body), tags });
const text = (bucket: string, key: string) => objects.get(`${bucket}/${key}`)?.body.toString('utf8');
const records = (runId: string) =>
  [...objects.keys()]
    .filter((k) => k.startsWith(`${REPORTS}/runs/region-failover/${runId}/`))
    .map((k) => k.slice(`${REPORTS}/runs/region-failover/${runId}/`.length).replace(/\.json$/, ''))
    .sort();
const evidence = (runId: string) => JSON.parse(text(REPORTS, `evidence/region-failover/2026/12/${runId}.json`) ?? 'null') as Record<string, any> | null;
const alerts = () =>
  snsMock.commandCalls(PublishCommand).map((c) => ({
    severity: c.args[0].input.MessageAttributes?.severity?.StringValue,
    kind: c.args[0].input.MessageAttributes?.kind?.StringValue,
    message: (JSON.parse(c.args[0].input.Message ?? '{}') as { default?: string }).default ?? '',
  }));

function installS3(): void {
  s3Mock.on(ListObjectsV2Command).callsFake((input: { Bucket: string; Prefix?: string }) => ({
    Contents: [...objects.keys()]
      .filter((k) => k.startsWith(`${input.Bucket}/${input.Prefix ?? ''}`))
      .map((k) => ({ Key: k.slice(input.Bucket.length + 1) }))
      .sort((a, b) => a.Key.localeCompare(b.Key)),
    IsTruncated: false,
  }));
  s3Mock.on(GetObjectTaggingCommand).callsFake((input: { Bucket: string; Key: string }) => ({ TagSet: Object.entries(objects.get(`${input.Bucket}/${input.Key}`)?.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) }));
  s3Mock.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const found = objects.get(`${input.Bucket}/${input.Key}`);
    if (found === undefined) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => found.body.toString('utf8') } };
  });
  s3Mock.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: string }) => {
    put(input.Bucket, input.Key, input.Body);
    return {};
  });
}

function installRds(): void {
  const instances = new Map<string, { status: string; polls: number; tags: unknown }>();
  rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
  rdsMock.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
    DBInstanceAutomatedBackups: [{ DBInstanceArn: `arn:aws:rds:${PRIMARY}:123456789012:db:app-db-prod`, DBInstanceIdentifier: 'app-db-prod', Status: 'replicating', DBInstanceAutomatedBackupsArn: BACKUPS_ARN, RestoreWindow: { EarliestTime: new Date(START - 86_400_000), LatestTime: new Date(START - 7 * 60_000) } }],
  });
  rdsMock.on(DescribeDBInstancesCommand).callsFake(async (input, getClient) => {
    if ((await (getClient() as RDSClient).config.region()) === PRIMARY) throw Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });
    const instance = instances.get(input.DBInstanceIdentifier);
    if (instance === undefined) throw Object.assign(new Error('not found'), { name: 'DBInstanceNotFoundFault' });
    instance.polls += 1;
    if (instance.polls > 1 && instance.status === 'creating') instance.status = 'available';
    return { DBInstances: [{ DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: instance.status, Endpoint: instance.status === 'available' ? { Address: `${input.DBInstanceIdentifier}.apse1.rds.example`, Port: 5432 } : undefined, TagList: instance.tags }] };
  });
  rdsMock.on(RestoreDBInstanceToPointInTimeCommand).callsFake((input) => {
    if (instances.has(input.TargetDBInstanceIdentifier)) throw Object.assign(new Error('exists'), { name: 'DBInstanceAlreadyExistsFault' });
    instances.set(input.TargetDBInstanceIdentifier, { status: 'creating', polls: 0, tags: input.Tags });
    return {};
  });
  rdsMock.on(DeleteDBInstanceCommand).callsFake((input) => {
    instances.get(input.DBInstanceIdentifier)!.status = 'deleting';
    return {};
  });
}

const dbPassed = (): ValidationSummary => ({
  outcome: 'passed',
  counts: { passed: 3, failed: 0, inconclusive: 0, skipped: 0 },
  checks: [{ name: 'connectivity', status: 'passed', durationMs: 30 }],
  omittedChecks: 0,
  warnings: [],
  serverVersion: '16.4',
  newestData: START - 8 * 60_000,
  startedAt: START + 20 * 60_000,
  finishedAt: START + 25 * 60_000,
  reportKey: 'validation/app-db/2026/12/x.json',
});

describe.skipIf(!up)('region-failover: the caches branch (ElastiCache stand-in, real redis-server)', () => {
  let source: TestRedis;
  let rdb: Buffer;
  let manifestBody: string;
  let clock: ManualClock;
  let standIn: ElastiCacheStandIn;
  let plane: RedisDataPlane;
  let policy: Policy;
  let calls: { fn: string; input: any }[];
  let afterSeed: ((client: import('ioredis').Redis) => Promise<void>) | undefined;

  beforeAll(async () => {
    source = await startRedis();
    const redis = await source.client();
    const batch = redis.pipeline();
    for (let i = 0; i < 300; i++) batch.hset(`session:${i}`, { user: `u${i}`, seen: String(i) });
    batch.set('config:schema-version', '42');
    await batch.exec();
    const cache = teamPolicy().resources.caches[0]!;
    manifestBody = JSON.stringify(await captureRedisManifest(redis, { cache: { ...cache, validation: { ...cache.validation, tls: false, sampleKeys: 50 } }, snapshotId: NEWEST, now: () => NEWEST_AT }));
    await redis.save();
    rdb = readFileSync(source.rdbFile);
  });
  afterAll(async () => {
    await source?.stop();
    setRuntime(undefined);
  });

  beforeEach(() => {
    for (const mock of [rdsMock, s3Mock, snsMock, ssmMock, sfnMock, smMock]) mock.reset();
    objects.clear();
    installS3();
    installRds();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    calls = [];
    afterSeed = undefined;
    clock = createClock(START);
    plane = new RedisDataPlane({ snapshotRdb: () => undefined, objectBytes: (bucket, key) => objects.get(`${bucket}/${key}`)?.body, afterSeed: async (_id, client) => afterSeed?.(client) });
    standIn = new ElastiCacheStandIn(clock, { seedMs: 10 * 60_000, deleteMs: 5 * 60_000, dataPlane: plane });
    standIn.addSubnetGroup('app-redis-dr');
    standIn.install();
    // The primary's export replicated to Singapore and verified there, and the manifest captured with its snapshot.
    put(EXPORTS, `${NEWEST}-0001.rdb`, rdb, { [EXPORT_TAG.verifiedIn(SECONDARY)]: '2026-12-03T13:00:00+09:00' });
    put(EXPORTS, `${NEWEST}.parts-0001`, '');
    put(REPORTS, manifestKey('app-redis', NEWEST), manifestBody);
    // Only the database and the cache: the configuration branch has its own executions.
    policy = teamPolicy((d) => {
      d.resources.configuration = [];
      // No failover node type: the restore test's, which the approver is told.
      delete d.resources.caches[0].failover.nodeType;
      d.resources.caches[0].validation = { ...d.resources.caches[0].validation, tls: false, requiredKeys: ['config:schema-version'] };
    });
    process.env.REPORTS_BUCKET = REPORTS;
    process.env.EXPORT_BUCKET = EXPORTS;
    setRuntime({ stage: 'test', policy, role: 'secondary', region: SECONDARY, alerts: snsAlertSink(new SNSClient({ region: SECONDARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => clock.now() });
  });
  afterEach(async () => {
    standIn.restore();
    await standIn.settled();
    await plane.stopAll();
  });

  const recording = (fn: string, answer: (input: any) => unknown): LocalTask => async (input) => {
    calls.push({ fn, input });
    return answer(input);
  };
  const tasks = (overrides: Record<string, LocalTask> = {}): Record<string, LocalTask> => ({
    failoverAssess: asTask('failover-assess', assess),
    requestApproval: recording('requestApproval', () => ({ approved: true, by: 'arn:aws:sts::123456789012:assumed-role/dr-approver/alice', at: '2026-12-03T09:05:00Z' })),
    setMaintenanceMode: recording('setMaintenanceMode', (i) => ({ parameter: '/app/prod/maintenance-mode', current: i.mode, changed: true })),
    failoverProgress: asTask('failover-progress', progress),
    failoverDbRestore: asTask('failover-db-restore', dbRestore),
    failoverDbStatus: asTask('failover-db-status', dbStatus),
    validateRestore: async () => dbPassed(),
    failoverCacheSeed: asTask('failover-cache-seed', cacheSeed),
    // Each poll comes a minute after the last, as the ASL's retry interval says.
    cacheRestoreTestStatus: async (input) => {
      clock.advance(60_000);
      await standIn.settled();
      return asTask('cache-restore-test-status', cacheStatus)(input);
    },
    validateCacheRestore: asTask('validate-cache-restore', validateCache),
    switchEndpoint: recording('switchEndpoint', (i) => ({ resource: i.resource, target: 'ssm:/x', previous: 'old', current: i.address, changed: true })),
    checkEndpointChange: recording('checkEndpointChange', () => ({ insync: true })),
    restoreTestTeardown: asTask('restore-test-teardown', dbTeardown),
    cacheRestoreTestTeardown: async (input) => {
      clock.advance(60_000);
      return asTask('cache-restore-test-teardown', cacheTeardown)(input);
    },
    failoverReport: asTask('failover-report', report),
    failoverNotify: asTask('failover-notify', notify),
    ...overrides,
  });
  const run = (input: unknown, executionName: string, overrides: Record<string, LocalTask> = {}) => runLocally(regionFailoverDefinition(policy), input, tasks(overrides), { executionName });

  it('seeds the cache from the newest export verified in the secondary, proves its data, switches its endpoint with the database\'s, and reports its RTO/RPO', async () => {
    const result = await run({}, 'fo-c1');
    expect(result.status).toBe('SUCCEEDED');
    expect(calls[0]!.input.plan['app-redis']).toMatch(/^seed app-redis-dr \(cache\.t4g\.micro \(the restore test's node type.*\) from the verified export backup-dr-app-redis-20261203-1200 of 2026-12-03T03:00:00\.000Z; data loss ≈ 6\.0 h \(target 6\.0 h\)$/);
    const [created] = standIn.groups();
    expect(created).toMatchObject({ region: SECONDARY, id: 'app-redis-dr', status: 'available' });
    expect(created!.request).toEqual({
      ReplicationGroupId: 'app-redis-dr',
      ReplicationGroupDescription: `backup-dr region failover fo-c1 of app-redis from ${NEWEST}`,
      CacheNodeType: 'cache.t4g.micro',
      NumCacheClusters: 1,
      AutomaticFailoverEnabled: false,
      MultiAZEnabled: false,
      SnapshotRetentionLimit: 1,
      AtRestEncryptionEnabled: true,
      TransitEncryptionEnabled: false,
      SnapshotArns: [`arn:aws:s3:::${EXPORTS}/${NEWEST}-0001.rdb`],
      Engine: 'redis',
      EngineVersion: expect.stringMatching(/^\d+\.\d+$/),
      CacheSubnetGroupName: 'app-redis-dr',
      SecurityGroupIds: ['sg-0e1f2a3b4c5d6e7f8'],
      Tags: [
        { Key: TAG.owner, Value: 'backup-dr' },
        { Key: TAG.policy, Value: 'production' },
        { Key: TAG.resource, Value: 'app-redis' },
        { Key: TAG.recovery, Value: 'fo-c1' },
        { Key: TAG.createdAt, Value: expect.any(String) },
      ],
    });
    // Production's from now on: never a restore test's group, never deleted.
    expect(created!.request.Tags).not.toContainEqual(expect.objectContaining({ Key: TAG.restoreTest }));
    const validation = JSON.parse(text(REPORTS, 'validation/app-redis/2026/12/fo-c1.json') ?? 'null') as Record<string, any>;
    expect(validation).toMatchObject({ outcome: 'passed', group: 'app-redis-dr', snapshotName: NEWEST });
    const switched = calls.filter((c) => c.fn === 'switchEndpoint').map((c) => c.input);
    expect(switched).toHaveLength(2);
    expect(switched).toContainEqual({ resource: 'app-redis', address: expect.stringMatching(/^127\.0\.0\.1$|localhost/), port: expect.any(Number), execution: expect.stringMatching(/:fo-c1$/) });
    expect(switched).toContainEqual(expect.objectContaining({ resource: 'app-db', address: 'app-db-dr.apse1.rds.example' }));
    expect(records('fo-c1')).toEqual(['approval', 'assess', 'cache-app-redis', 'database-app-db', 'endpoint-app-db', 'endpoint-app-redis', 'maintenance-off', 'maintenance-on']);
    const e = evidence('fo-c1');
    expect(e?.caches).toEqual(['app-redis']);
    const cache = (e?.components as any[]).find((c) => c.resource === 'app-redis');
    expect(cache).toMatchObject({ method: 'seed-from-export', instanceId: 'app-redis-dr', validation: 'passed', restorePoint: new Date(NEWEST_AT).toISOString(), rpoMs: START - NEWEST_AT, rpoTargetMs: 6 * 3_600_000, rtoTargetMs: 30 * 60_000 });
    expect(cache.rtoMs).toBeGreaterThanOrEqual(10 * 60_000);
    // The region's RPO is the database's (the cache's 6-hour objective is not under the region's hour).
    expect(e).toMatchObject({ rpoMs: 7 * 60_000, outcome: 'met' });
  });

  it('a failed cache validation stops the run before any endpoint moves, with a critical alert that reports the database done', async () => {
    afterSeed = async (client) => {
      await client.flushall();
    };
    const result = await run({}, 'fo-c2');
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('FailoverFailed');
    expect(calls.map((c) => c.fn)).toEqual(['requestApproval', 'setMaintenanceMode']);
    expect(records('fo-c2')).toEqual(['approval', 'assess', 'database-app-db', 'maintenance-on']);
    const last = alerts().at(-1)!;
    expect(last).toMatchObject({ severity: 'critical', kind: 'region-failover-failed' });
    expect(last.message).toContain('CacheValidationFailed');
    // The database's state is reported: it is up and recorded, to be skipped by a resumed run.
    expect(last.message).toMatch(/Done so far: [^.]*database-app-db[^.]*\./);
    expect(last.message).toContain('MAINTENANCE MODE');
    // A failover's group is never deleted by the run.
    expect(standIn.groups()[0]).toMatchObject({ id: 'app-redis-dr', status: 'available' });
  });

  it('without a verified export the plan says so and the cache branch fails clearly, seeding nothing', async () => {
    put(EXPORTS, `${NEWEST}-0001.rdb`, rdb, {});
    const result = await run({}, 'fo-c3');
    expect(result.status).toBe('FAILED');
    expect(calls[0]!.input.plan['app-redis']).toMatch(/^CANNOT be seeded: no whole export of "app-redis" verified in ap-southeast-1 .*NoCacheRestorePoint/);
    expect(standIn.groups()).toEqual([]);
    const last = alerts().at(-1)!;
    expect(last.message).toContain('NoCacheRestorePoint');
    expect(last.message).toContain('no whole export of "app-redis" verified in ap-southeast-1');
    expect(calls.some((c) => c.fn === 'switchEndpoint')).toBe(false);
  });

  it('refuses a group of that name that is not this run\'s', async () => {
    standIn.addForeignGroup(SECONDARY, 'app-redis-dr', [{ Key: 'team', Value: 'payments' }]);
    const result = await run({}, 'fo-c4');
    expect(result.status).toBe('FAILED');
    expect(alerts().at(-1)!.message).toContain('app-redis-dr exists and is not this run');
  });

  it('resumed, skips the cache the failed run seeded and switches its endpoint from the record', async () => {
    const first = await run({}, 'fo-c5', { switchEndpoint: async () => Promise.reject(Object.assign(new Error('AccessDenied'), { name: 'AccessDeniedException' })) });
    expect(first.status).toBe('FAILED');
    const host = (JSON.parse(text(REPORTS, 'runs/region-failover/fo-c5/cache-app-redis.json') ?? '{}') as { result: { group: { host: string; port: number } } }).result.group;
    calls = [];
    const resumed = await run({ resume: 'fo-c5' }, 'fo-c5-resume');
    expect(resumed.status).toBe('SUCCEEDED');
    expect(standIn.groups()).toHaveLength(1);
    expect(resumed.states).toContain('Cache recovered before');
    expect(resumed.states).not.toContain('Seed cache');
    expect(calls.filter((c) => c.fn === 'switchEndpoint').map((c) => c.input)).toContainEqual(expect.objectContaining({ resource: 'app-redis', address: host.host, port: host.port }));
    expect(records('fo-c5')).toContain('endpoint-app-redis');
    expect((evidence('fo-c5')?.components as any[]).find((c) => c.resource === 'app-redis')).toMatchObject({ validation: 'validated by the run resumed' });
  });

  describe('rehearsal', () => {
    it('seeds a bdr-rh-* group, validates it, deletes it, and sends no endpoint or maintenance command', async () => {
      const result = await run({ mode: 'rehearsal' }, 'rh-c1');
      expect(result.status).toBe('SUCCEEDED');
      expect(calls).toEqual([]);
      expect(ssmMock.calls()).toHaveLength(0);
      const [created] = standIn.groups();
      expect(created).toMatchObject({ id: REHEARSAL_GROUP, status: 'deleting' });
      expect(created!.request).toMatchObject({ SnapshotRetentionLimit: 0, Tags: expect.arrayContaining([{ Key: TAG.restoreTest, Value: 'rh-c1' }, { Key: TAG.recovery, Value: 'rh-c1' }]) });
      expect(records('rh-c1')).toEqual(['assess', 'cache-app-redis', 'database-app-db']);
      expect(evidence('rh-c1')).toMatchObject({ mode: 'rehearsal', teardown: 'deleted what the rehearsal created' });
    });

    it('tears the group down after a failed validation too, alerting critical', async () => {
      afterSeed = async (client) => {
        await client.flushall();
      };
      const result = await run({ mode: 'rehearsal' }, 'rh-c2');
      expect(result.status).toBe('FAILED');
      expect(calls).toEqual([]);
      expect(standIn.groups()[0]).toMatchObject({ id: REHEARSAL_GROUP, status: 'deleting' });
      expect(alerts().at(-1)).toMatchObject({ severity: 'critical', kind: 'region-failover-failed' });
    });
  });
});
