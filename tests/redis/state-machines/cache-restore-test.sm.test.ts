// Executions of the cache-restore-test state machine from its ASL file, every Task bound to the real
// handler: ElastiCache answered by the stand-in (sandbox/aws/elasticache-standin.ts), whose seeded groups
// are real redis-servers started on the backup's RDB (written by SAVE on a "production" server filled with
// keys of every type); S3 and SNS by aws-sdk-client-mock over an in-memory bucket. Each poll of the group
// and each teardown attempt moves the sandbox clock a minute, as the state machine's retry interval does.
// Success from the snapshot (primary) and from the replicated export (secondary); every Catch; teardown on
// every failure path; a group that is not this run's never touched.

import { readFileSync } from 'node:fs';
import { GetObjectCommand, GetObjectTaggingCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as notify } from '../../../functions/redis/cache-restore-test-notify/handler.js';
import { handler as plan } from '../../../functions/redis/cache-restore-test-plan/handler.js';
import { handler as record } from '../../../functions/redis/cache-restore-test-record/handler.js';
import { handler as seed } from '../../../functions/redis/cache-restore-test-seed/handler.js';
import { handler as status } from '../../../functions/redis/cache-restore-test-status/handler.js';
import { handler as teardown } from '../../../functions/redis/cache-restore-test-teardown/handler.js';
import { handler as validate } from '../../../functions/redis/validate-cache-restore/handler.js';
import { createClock, type ManualClock } from '../../../sandbox/aws/clock.js';
import { ElastiCacheStandIn } from '../../../sandbox/aws/elasticache-standin.js';
import { RedisDataPlane } from '../../../sandbox/aws/redis-data-plane.js';
import { asTask, runLocally, type LocalTask } from '../../../sandbox/step-functions/asl.js';
import { snsAlertSink } from '../../../shared/alerts/sns.js';
import { EXPORT_TAG, manifestKey, TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { captureRedisManifest } from '../../../shared/redis/manifest.js';
import { log, logger, metrics, setRuntime } from '../../../shared/runtime/lambda.js';
import { cacheRestoreTestDefinition } from '../../../state-machines/redis/restore-test.js';
import { redisServerAvailable, startRedis, type TestRedis } from '../../helpers/redis.js';
import { teamPolicy } from '../../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const REPORTS = { [PRIMARY]: 'backup-dr-reports-test-123456789012-ap-northeast-1', [SECONDARY]: 'backup-dr-reports-test-123456789012-ap-southeast-1' } as const;
const EXPORTS = { [PRIMARY]: 'backup-dr-exports-test-123456789012-ap-northeast-1', [SECONDARY]: 'backup-dr-exports-test-123456789012-ap-southeast-1' } as const;
const TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:backup-dr-alerts-test';
/** Sunday 05:00 in Tokyo, the policy's schedule; the newest snapshot is midnight's. */
const START = Date.parse('2026-11-29T05:00:00+09:00');
const NEWEST = 'backup-dr-app-redis-20261129-0000';
const OLDER = 'backup-dr-app-redis-20261128-1800';
const GROUP = 'bdr-crt-app-redis-202611290500';
const up = redisServerAvailable();

const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
const smMock = mockClient(SecretsManagerClient);

interface StoredObject {
  body: Buffer;
  tags: Record<string, string>;
}
const objects = new Map<string, StoredObject>();
const put = (bucket: string, key: string, body: Buffer | string, tags: Record<string, string> = {}) => objects.set(`${bucket}/${key}`, { body: Buffer.from(body), tags });

/** An export of `name` in both regions (whole: its .rdb and marker), verified where `verifiedIn` says. */
function exportEverywhere(name: string, rdb: Buffer, verifiedIn: readonly string[] = [PRIMARY, SECONDARY]): void {
  for (const region of [PRIMARY, SECONDARY] as const) {
    put(EXPORTS[region], `${name}-0001.rdb`, rdb, verifiedIn.includes(region) ? { [EXPORT_TAG.verifiedIn(region)]: '2026-11-29T01:00:00+09:00' } : {});
    put(EXPORTS[region], `${name}.parts-0001`, '');
  }
}

function installS3(): void {
  s3Mock.on(ListObjectsV2Command).callsFake((input: { Bucket: string }) => ({
    Contents: [...objects.keys()].filter((k) => k.startsWith(`${input.Bucket}/`)).map((k) => ({ Key: k.slice(input.Bucket.length + 1) })),
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

const written = (prefix: string) => s3Mock.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.Key?.startsWith(prefix));
function evidence(): Record<string, any> {
  const body = written('evidence/')[0]?.args[0].input.Body;
  if (typeof body !== 'string') throw new Error('no evidence written');
  return JSON.parse(body) as Record<string, any>;
}
/** The alerts published, as the Lambda protocol of the topic carries them. */
const alerts = () => snsMock.commandCalls(PublishCommand).map((c) => JSON.parse((JSON.parse(c.args[0].input.Message ?? '{}') as { lambda: string }).lambda) as Record<string, any>);

describe.skipIf(!up)('cache-restore-test state machine (ElastiCache stand-in, real redis-server)', () => {
  let source: TestRedis;
  let rdb: Buffer;
  let manifestBody: string;
  let clock: ManualClock;
  let standIn: ElastiCacheStandIn;
  let plane: RedisDataPlane;
  let afterSeed: ((client: import('ioredis').Redis) => Promise<void>) | undefined;
  let policy: Policy;

  beforeAll(async () => {
    source = await startRedis({ extraArgs: ['--enable-debug-command', 'yes'] });
    const redis = await source.client();
    await redis.call('DEBUG', 'POPULATE', '2000', 'item', '16');
    const batch = redis.pipeline();
    for (let i = 0; i < 100; i++) {
      batch.hset(`user:${i}`, { name: `user ${i}`, plan: i % 2 === 0 ? 'pro' : 'free' });
      batch.rpush(`queue:${i}`, 'a', String(i));
      batch.zadd(`board:${i}`, 1, 'x', i, 'y');
    }
    batch.set('config:schema-version', '42');
    await batch.exec();
    await redis.select(2);
    await redis.set('flags:beta', 'on');
    await redis.select(0);
    const cache = teamPolicy().resources.caches[0]!;
    const manifest = await captureRedisManifest(redis, { cache: { ...cache, validation: { ...cache.validation, tls: false, sampleKeys: 50 } }, snapshotId: NEWEST, now: () => START - 5 * 3_600_000 });
    manifestBody = JSON.stringify(manifest);
    await redis.save();
    rdb = readFileSync(source.rdbFile);
  });
  afterAll(async () => source?.stop());

  beforeEach(() => {
    s3Mock.reset();
    snsMock.reset();
    smMock.reset();
    objects.clear();
    installS3();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    afterSeed = undefined;
    calls.status = 0;
    calls.teardown = 0;
    clock = createClock(START);
    plane = new RedisDataPlane({ snapshotRdb: (name) => (name === NEWEST ? rdb : undefined), objectBytes: (bucket, key) => objects.get(`${bucket}/${key}`)?.body, afterSeed: async (_id, client) => afterSeed?.(client) });
    standIn = new ElastiCacheStandIn(clock, { seedMs: 10 * 60_000, deleteMs: 5 * 60_000, dataPlane: plane });
    standIn.addSubnetGroup('app-redis-restore-test');
    standIn.addSnapshot(PRIMARY, { name: NEWEST, replicationGroupId: 'app-redis-prod' });
    standIn.install();
    exportEverywhere(NEWEST, rdb);
    exportEverywhere(OLDER, rdb);
    for (const region of [PRIMARY, SECONDARY] as const) put(REPORTS[region], manifestKey('app-redis', NEWEST), manifestBody);
    policy = teamPolicy((d) => {
      d.resources.caches[0].validation = { ...d.resources.caches[0].validation, tls: false, requiredKeys: ['config:schema-version', '2:flags:beta'], assertions: [{ name: 'schema version', command: ['GET', 'config:schema-version'], expect: '42' }] };
    });
    inRegion('primary');
  });
  afterEach(async () => {
    standIn.restore();
    await standIn.settled();
    await plane.stopAll();
  });
  afterAll(() => setRuntime(undefined));

  function inRegion(role: 'primary' | 'secondary', change?: (p: Policy) => Policy): void {
    const region = role === 'primary' ? PRIMARY : SECONDARY;
    if (change !== undefined) policy = change(policy);
    process.env.REPORTS_BUCKET = REPORTS[region];
    process.env.EXPORT_BUCKET = EXPORTS[region];
    setRuntime({ stage: 'test', policy, role, region, alerts: snsAlertSink(new SNSClient({ region }), TOPIC, policy.timezone), logger, log, metrics, now: () => clock.now() });
  }

  /** Each poll and each teardown attempt comes a minute after the last, as the ASL's retry interval says. */
  const calls = { status: 0, teardown: 0 };
  const tasks = (): Record<string, LocalTask> => ({
    cacheRestoreTestPlan: asTask('cacheRestoreTestPlan', plan),
    cacheRestoreTestSeed: asTask('cacheRestoreTestSeed', seed),
    cacheRestoreTestStatus: async (input) => {
      calls.status += 1;
      clock.advance(60_000);
      await standIn.settled();
      return asTask('cacheRestoreTestStatus', status)(input);
    },
    validateCacheRestore: asTask('validateCacheRestore', validate),
    cacheRestoreTestTeardown: async (input) => {
      calls.teardown += 1;
      clock.advance(60_000);
      return asTask('cacheRestoreTestTeardown', teardown)(input);
    },
    cacheRestoreTestRecord: asTask('cacheRestoreTestRecord', record),
    cacheRestoreTestNotify: asTask('cacheRestoreTestNotify', notify),
  });

  const run = (input: unknown = { resource: 'app-redis' }, overrides: Partial<Record<string, LocalTask>> = {}) =>
    runLocally(cacheRestoreTestDefinition(policy), input, { ...tasks(), ...(overrides as Record<string, LocalTask>) });

  it('primary: seeds a one-node group from the newest verified snapshot, waits, proves the data, deletes the group, records RTO/RPO and succeeds', async () => {
    const result = await run();
    expect(result.status).toBe('SUCCEEDED');
    expect(result.states).toEqual(['Start', 'Plan', 'Seed', 'Wait for group', 'Validate', 'Teardown', 'Record', 'Passed?', 'Passed']);
    expect(calls).toEqual({ status: 10, teardown: 1 });
    const [created] = standIn.groups();
    expect(created).toMatchObject({ region: PRIMARY, id: GROUP, status: 'deleting' });
    expect(created!.request).toEqual({
      ReplicationGroupId: GROUP,
      ReplicationGroupDescription: `backup-dr restore test of app-redis from ${NEWEST}`,
      CacheNodeType: 'cache.t4g.micro',
      NumCacheClusters: 1,
      AutomaticFailoverEnabled: false,
      MultiAZEnabled: false,
      SnapshotRetentionLimit: 0,
      AtRestEncryptionEnabled: true,
      TransitEncryptionEnabled: false,
      SnapshotName: NEWEST,
      CacheSubnetGroupName: 'app-redis-restore-test',
      SecurityGroupIds: ['sg-0b2c3d4e5f6071829'],
      Tags: expect.arrayContaining([
        { Key: TAG.owner, Value: 'backup-dr' },
        { Key: TAG.resource, Value: 'app-redis' },
        { Key: TAG.restoreTest, Value: GROUP },
      ]),
    });
    await standIn.settled();
    expect(plane.running()).toEqual([]);
    const record = evidence();
    expect(record).toMatchObject({ outcome: 'passed', resource: 'app-redis', region: PRIMARY, restored: { snapshotName: NEWEST, seededFrom: { kind: 'snapshot', snapshotName: NEWEST }, group: GROUP } });
    expect(record.validation.checks.map((c: { name: string; status: string }) => `${c.name}:${c.status}`)).toEqual(['connectivity:pass', 'key-counts:pass', 'sampled-keys:pass', 'required-keys:pass', 'assertions:pass']);
    // Seeding requested at 05:00, the group available after ten one-minute polls, validated at once.
    expect(record.verdict).toMatchObject({ outcome: 'passed', rtoMs: 10 * 60_000, rtoTargetMs: 30 * 60_000, rpoMs: 5 * 3_600_000, rpoTargetMs: 6 * 3_600_000 });
    expect(record.validation.keys).toBe(2000 + 300 + 1 + 1);
    expect(written('validation/app-redis/2026/11/')).toHaveLength(1);
    expect(alerts()).toEqual([]);
  });

  it('secondary: seeds from the replicated export by its S3 ARN, with the engine the manifest recorded, in the secondary network', async () => {
    inRegion('secondary');
    const result = await run({ resource: 'app-redis', region: 'secondary' });
    expect(result.status).toBe('SUCCEEDED');
    const [created] = standIn.groups();
    expect(created).toMatchObject({ region: SECONDARY, id: GROUP });
    expect(created!.request.SnapshotName).toBeUndefined();
    expect(created!.request).toMatchObject({
      SnapshotArns: [`arn:aws:s3:::${EXPORTS[SECONDARY]}/${NEWEST}-0001.rdb`],
      Engine: 'redis',
      EngineVersion: expect.stringMatching(/^\d+\.\d+$/),
      SecurityGroupIds: ['sg-0e1f2a3b4c5d6e7f8'],
    });
    expect(evidence()).toMatchObject({ outcome: 'passed', region: SECONDARY, restored: { seededFrom: { kind: 'export', bucket: EXPORTS[SECONDARY], keys: [`${NEWEST}-0001.rdb`] } } });
  });

  it('takes the newest export verified in its own region: one verified only in the other region is passed over', async () => {
    objects.clear();
    exportEverywhere(NEWEST, rdb, [PRIMARY]);
    exportEverywhere(OLDER, rdb, [SECONDARY]);
    put(REPORTS[SECONDARY], manifestKey('app-redis', OLDER), manifestBody.replaceAll(NEWEST, OLDER));
    inRegion('secondary');
    const result = await run({ resource: 'app-redis', region: 'secondary' });
    expect(evidence().restored.snapshotName).toBe(OLDER);
    // 11 hours old when the test began: the RPO it proves misses the 6-hour target, and says so.
    expect(result.status).toBe('FAILED');
    expect(evidence().verdict.failures).toEqual(['RPO 660 min exceeds the target of 360 min (the newest verified backup was that old)']);
  });

  it('fails naming the checks when keys are lost in the restore, still deletes the group, alerts critically', async () => {
    afterSeed = async (client) => {
      const keys = await client.keys('user:*');
      await client.del(...keys.slice(0, 60));
      await client.set('config:schema-version', '41');
    };
    const result = await run();
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('CacheRestoreTestFailed');
    expect(result.states.slice(-6)).toEqual(['Teardown', 'Record', 'Passed?', 'Notify', 'Inconclusive?', 'Failed']);
    expect(standIn.groups()[0]?.status).toBe('deleting');
    const failures: string[] = evidence().verdict.failures;
    expect(failures.some((f) => f.startsWith('check assertions failed: 1 of 1 assertions failed: "schema version": expected "42", got "41"'))).toBe(true);
    expect(failures.some((f) => f.startsWith('check key-counts failed'))).toBe(true);
    const [alert] = alerts();
    expect(alert).toMatchObject({ severity: 'critical', kind: 'cache-restore-test-failed', resource: 'app-redis', region: PRIMARY });
  });

  it('a group that fails to seed (create-failed) fails at once, is deleted, and the alert says why', async () => {
    plane = new RedisDataPlane({ snapshotRdb: () => Buffer.from('REDIS0011 not an rdb at all') });
    standIn.restore();
    standIn = new ElastiCacheStandIn(clock, { seedMs: 10 * 60_000, dataPlane: plane });
    standIn.addSubnetGroup('app-redis-restore-test');
    standIn.addSnapshot(PRIMARY, { name: NEWEST });
    standIn.install();
    const result = await run();
    expect(result.status).toBe('FAILED');
    expect(calls.status).toBe(1);
    expect(result.states).not.toContain('Validate');
    expect(standIn.groups()[0]?.status).toBe('deleting');
    expect(evidence().verdict.failures[0]).toMatch(/^CacheRestoreFailed: the temporary group bdr-crt-app-redis-202611290500 is "create-failed"/);
    expect(alerts()[0]?.summary).toMatch(/create-failed/);
  });

  it('gives up waiting at restoreTest.timeout (CacheRestoreTimedOut), then waits for the group to finish creating before it deletes it', async () => {
    standIn.restore();
    standIn = new ElastiCacheStandIn(clock, { seedMs: 90 * 60_000, dataPlane: plane });
    standIn.addSubnetGroup('app-redis-restore-test');
    standIn.addSnapshot(PRIMARY, { name: NEWEST });
    standIn.install();
    const result = await run();
    expect(result.status).toBe('FAILED');
    expect(calls.status).toBe(61);
    // Creating until minute 90: teardown tries every minute (CacheTeardownNotReady) until it can delete.
    expect(calls.teardown).toBe(29); // minutes 62 … 90
    expect(standIn.groups()[0]?.status).toBe('deleting');
    expect(evidence().verdict.failures[0]).toMatch(/^the temporary group did not become available within restoreTest.timeout \(the temporary group .* is still "creating" after 61 min \(restoreTest.timeout: 60 min\)\)$/);
  });

  it('with no verified export there is nothing to seed: no group is created, the alert says so', async () => {
    objects.clear();
    exportEverywhere(NEWEST, rdb, []);
    const result = await run();
    expect(result.status).toBe('FAILED');
    expect(result.states).toEqual(['Start', 'Plan', 'Seeded anything?', 'Record', 'Passed?', 'Notify', 'Inconclusive?', 'Failed']);
    expect(standIn.groups()).toEqual([]);
    expect(alerts()[0]?.summary).toBe('cache restore test failed: NoCacheRestorePoint: no whole, verified export of "app-redis" in the primary region\'s export bucket to restore');
  });

  it('bad input is refused naming the field, with no side effect', async () => {
    const result = await run({ resource: 'app-redis', region: 'secondary' });
    expect(result.status).toBe('FAILED');
    expect(evidence().verdict.failures[0]).toMatch(/^InvalidInput: region: this is the primary region's cache-restore-test/);
    const unknown = await run({ resource: 'nope' });
    expect(unknown.status).toBe('FAILED');
    expect(JSON.parse(written('evidence/')[1]!.args[0].input.Body as string).verdict.failures[0]).toMatch(/^InvalidInput: resource: no cache "nope" in the policy/);
    const extra = await run({ resource: 'app-redis', snapshot: 'x' });
    expect(extra.status).toBe('FAILED');
    expect(JSON.parse(written('evidence/')[2]!.args[0].input.Body as string).verdict.failures[0]).toMatch(/^InvalidInput: .*snapshot/);
    expect(standIn.groups()).toEqual([]);
  });

  it('a group by the run\'s name that is not ours is neither used nor deleted', async () => {
    standIn.addForeignGroup(PRIMARY, GROUP, [{ Key: 'team', Value: 'payments' }]);
    const result = await run();
    expect(result.status).toBe('FAILED');
    expect(standIn.groups()).toEqual([expect.objectContaining({ id: GROUP, status: 'available' })]);
    const record = evidence();
    expect(record.verdict.failures).toContain(`CacheRestoreFailed: a replication group named ${GROUP} exists and is not this run's: refusing to use it`);
    expect(record.teardownError.Error).toBe('CacheTeardownRefused');
    expect(record.verdict.failures).toContain('the temporary group was not torn down');
    expect(alerts()[0]?.action).toMatch(/may still exist/);
  });

  it('without a manifest the data is not proven: inconclusive, a warning, and the group deleted', async () => {
    objects.delete(`${REPORTS[PRIMARY]}/${manifestKey('app-redis', NEWEST)}`);
    const result = await run();
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('CacheRestoreTestInconclusive');
    const record = evidence();
    expect(record.validation.checks.map((c: { name: string; status: string }) => `${c.name}:${c.status}`)).toEqual(['connectivity:pass', 'required-keys:pass', 'assertions:pass', 'manifest:inconclusive']);
    expect(record.verdict.outcome).toBe('inconclusive');
    expect(standIn.groups()[0]?.status).toBe('deleting');
    expect(alerts()[0]).toMatchObject({ severity: 'warning', kind: 'cache-restore-test-inconclusive' });
  });

  it('a validation that cannot run (the manifest unreadable) still tears down; a failed record still notifies; a failed notify still fails the execution', async () => {
    s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const unreadable = await run();
    expect(unreadable.states).toContain('Teardown');
    expect(standIn.groups()[0]?.status).toBe('deleting');
    expect(evidence().verdict.failures[0]).toMatch(/^CacheManifestUnreadable: cannot read the manifest/);

    s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('KMS denied'), { name: 'KMS.AccessDeniedException' }));
    snsMock.on(PublishCommand).rejects(Object.assign(new Error('SNS down'), { name: 'InternalError' }));
    clock.advance(60_000);
    const nothingWorks = await run();
    expect(nothingWorks.status).toBe('FAILED');
    expect(nothingWorks.states.slice(-4)).toEqual(['Record', 'Notify', 'Inconclusive?', 'Failed']);
  });
});
