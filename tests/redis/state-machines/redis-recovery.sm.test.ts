// Executions of the redis-recovery state machine from its ASL file, with the real plan, seed, status,
// validate-cache-restore, teardown, retire and notify handlers: ElastiCache answered by the stand-in
// (sandbox/aws/elasticache-standin.ts), whose seeded groups are real redis-servers started on the backup's
// RDB (SAVE of a "production" server), so validation judges real data against the manifest; S3 and SNS
// by aws-sdk-client-mock over an in-memory bucket. request-approval, switch-endpoint and
// check-endpoint-change are fakes (their contracts, README "Recovery runbooks"; tested in tests/platform).
// Each poll of the group and each teardown attempt moves the sandbox clock a minute, as the retries do.

import { readFileSync } from 'node:fs';
import { ElastiCacheClient, ListTagsForResourceCommand } from '@aws-sdk/client-elasticache';
import { GetObjectCommand, GetObjectTaggingCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as notify } from '../../../functions/redis/cache-recovery-notify/handler.js';
import { handler as plan } from '../../../functions/redis/cache-recovery-plan/handler.js';
import { handler as retire } from '../../../functions/redis/cache-recovery-retire/handler.js';
import { handler as seed } from '../../../functions/redis/cache-recovery-seed/handler.js';
import { handler as teardown } from '../../../functions/redis/cache-recovery-teardown/handler.js';
import { handler as status } from '../../../functions/redis/cache-restore-test-status/handler.js';
import { handler as validate } from '../../../functions/redis/validate-cache-restore/handler.js';
import { createClock, type ManualClock } from '../../../sandbox/aws/clock.js';
import { ElastiCacheStandIn } from '../../../sandbox/aws/elasticache-standin.js';
import { RedisDataPlane } from '../../../sandbox/aws/redis-data-plane.js';
import { asTask, runLocally, type LocalTask } from '../../../sandbox/step-functions/asl.js';
import { snsAlertSink } from '../../../shared/alerts/sns.js';
import { EXPORT_TAG, manifestKey, TAG } from '../../../shared/contracts.js';
import { BackupDrError } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { captureRedisManifest } from '../../../shared/redis/manifest.js';
import { log, logger, metrics, setRuntime } from '../../../shared/runtime/lambda.js';
import { redisRecoveryDefinition } from '../../../state-machines/redis/redis-recovery.js';
import { redisServerAvailable, startRedis, type TestRedis } from '../../helpers/redis.js';
import { teamPolicy } from '../../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const REPORTS = 'backup-dr-reports-test-123456789012-ap-northeast-1';
const EXPORTS = 'backup-dr-exports-test-123456789012-ap-northeast-1';
const TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:backup-dr-alerts-test';
const START = Date.parse('2026-12-03T18:08:00+09:00');
const NEWEST = 'backup-dr-app-redis-20261203-1200';
const OLDER = 'backup-dr-app-redis-20261203-0600';
/** Newer than NEWEST, but its export is not verified yet. */
const UNVERIFIED = 'backup-dr-app-redis-20261203-1800';
const GROUP = 'bdr-rec-app-redis-202612031808';
const SOURCE = 'app-redis-prod';
const SOURCE_ARN = `arn:aws:elasticache:${PRIMARY}:123456789012:replicationgroup:${SOURCE}`;
const EXECUTION = 'arn:aws:states:ap-northeast-1:123456789012:execution:local:recovery-1';
/** Production: two nodes with automatic failover across AZs, in its own network and parameter group. */
const PRODUCTION_SHAPE = {
  CacheNodeType: 'cache.r7g.large',
  NumCacheClusters: 2,
  AutomaticFailoverEnabled: true,
  MultiAZEnabled: true,
  SnapshotRetentionLimit: 1,
  CacheSubnetGroupName: 'app-redis-private',
  SecurityGroupIds: ['sg-0aa11bb22cc33dd44'],
  CacheParameterGroupName: 'app-redis-params',
  EngineVersion: '7.1.0',
};
const up = redisServerAvailable();

const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
const smMock = mockClient(SecretsManagerClient);

const objects = new Map<string, { body: Buffer; tags: Record<string, string> }>();
const put = (bucket: string, key: string, body: Buffer | string, tags: Record<string, string> = {}) => objects.set(`${bucket}/${key}`, { body: Buffer.from(body), tags });
const exported = (name: string, rdb: Buffer, verified: boolean) => {
  put(EXPORTS, `${name}-0001.rdb`, rdb, verified ? { [EXPORT_TAG.verifiedIn(PRIMARY)]: '2026-12-03T13:00:00+09:00' } : {});
  put(EXPORTS, `${name}.parts-0001`, '');
};

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

/** The alerts published, as the Lambda protocol of the topic carries them. */
const alerts = () => snsMock.commandCalls(PublishCommand).map((c) => JSON.parse((JSON.parse(c.args[0].input.Message ?? '{}') as { lambda: string }).lambda) as Record<string, any>);
const record = () => JSON.parse(objects.get(`${REPORTS}/runs/redis-recovery/${GROUP}.json`)?.body.toString('utf8') ?? 'null') as Record<string, any> | null;
const sourceTags = async () => (await new ElastiCacheClient({ region: PRIMARY }).send(new ListTagsForResourceCommand({ ResourceName: SOURCE_ARN }))).TagList ?? [];

class ApprovalRejected extends BackupDrError {
  override name = 'ApprovalRejected';
}
class StatesTimeout extends BackupDrError {
  override name = 'States.Timeout';
}

describe.skipIf(!up)('redis-recovery state machine (ElastiCache stand-in, real redis-server)', () => {
  let source: TestRedis;
  let rdb: Buffer;
  let manifestBody: string;
  let clock: ManualClock;
  let standIn: ElastiCacheStandIn;
  let plane: RedisDataPlane;
  let afterSeed: ((client: import('ioredis').Redis) => Promise<void>) | undefined;
  let policy: Policy;
  type Fake = (input: unknown) => Promise<unknown>;
  let fakes: { approve: Fake; switchEndpoint: Fake; checkChange: Fake };
  const calls: Record<string, unknown[]> = {};
  const counts = { status: 0, teardown: 0 };

  beforeAll(async () => {
    source = await startRedis({ extraArgs: ['--enable-debug-command', 'yes'] });
    const redis = await source.client();
    await redis.call('DEBUG', 'POPULATE', '1500', 'item', '16');
    const batch = redis.pipeline();
    for (let i = 0; i < 50; i++) batch.hset(`session:${i}`, { user: `u${i}`, ttl: '3600' });
    batch.set('config:schema-version', '42');
    await batch.exec();
    const cache = teamPolicy().resources.caches[0]!;
    const manifest = await captureRedisManifest(redis, { cache: { ...cache, validation: { ...cache.validation, tls: false, sampleKeys: 50 } }, snapshotId: NEWEST, now: () => Date.parse('2026-12-03T12:00:00+09:00') });
    manifestBody = JSON.stringify(manifest);
    await redis.save();
    rdb = readFileSync(source.rdbFile);
  });
  afterAll(async () => source?.stop());

  function install(seedMs = 10 * 60_000, dataPlane?: RedisDataPlane): void {
    standIn?.restore();
    plane = dataPlane ?? new RedisDataPlane({ snapshotRdb: (name) => (name === NEWEST || name === UNVERIFIED ? rdb : undefined), objectBytes: (bucket, key) => objects.get(`${bucket}/${key}`)?.body, afterSeed: async (_id, client) => afterSeed?.(client) });
    standIn = new ElastiCacheStandIn(clock, { seedMs, deleteMs: 5 * 60_000, dataPlane: plane });
    standIn.addSubnetGroup('app-redis-private');
    standIn.addSubnetGroup('app-redis-restore-test');
    standIn.addSourceGroup(PRIMARY, SOURCE, { host: '127.0.0.1', port: source.port }, [{ Key: 'team', Value: 'app' }], PRODUCTION_SHAPE);
    standIn.addSnapshot(PRIMARY, { name: NEWEST, replicationGroupId: SOURCE });
    standIn.addSnapshot(PRIMARY, { name: UNVERIFIED, replicationGroupId: SOURCE });
    standIn.install();
  }

  /** The team's policy with validation the local Redis can meet, changed as a test needs; the Lambdas' runtime reads it. */
  function usePolicy(change?: (d: Record<string, any>) => void): void {
    policy = teamPolicy((d) => {
      d.resources.caches[0].validation = { ...d.resources.caches[0].validation, tls: false, requiredKeys: ['config:schema-version'], assertions: [{ name: 'schema version', command: ['GET', 'config:schema-version'], expect: '42' }] };
      change?.(d);
    });
    setRuntime({ stage: 'test', policy, role: 'primary', region: PRIMARY, alerts: snsAlertSink(new SNSClient({ region: PRIMARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => clock.now() });
  }

  beforeEach(() => {
    s3Mock.reset();
    snsMock.reset();
    smMock.reset();
    objects.clear();
    installS3();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    afterSeed = undefined;
    counts.status = 0;
    counts.teardown = 0;
    for (const key of Object.keys(calls)) delete calls[key];
    clock = createClock(START);
    install();
    exported(OLDER, rdb, true);
    exported(NEWEST, rdb, true);
    exported(UNVERIFIED, rdb, false);
    put(REPORTS, manifestKey('app-redis', NEWEST), manifestBody);
    usePolicy();
    process.env.REPORTS_BUCKET = REPORTS;
    process.env.EXPORT_BUCKET = EXPORTS;
    fakes = {
      approve: async () => ({ approved: true, by: 'arn:aws:sts::123456789012:assumed-role/dr-approver/alice', at: '2026-12-03T09:30:00Z' }),
      switchEndpoint: async (input) => ({ resource: 'app-redis', target: 'ssm:/app/prod/redis/host', previous: `${SOURCE}.example.internal`, current: (input as { address: string }).address, changed: true }),
      checkChange: async (input) => ({ changeId: (input as { changeId: string }).changeId, status: 'INSYNC', insync: true }),
    };
  });
  afterEach(async () => {
    standIn.restore();
    await standIn.settled();
    await plane.stopAll();
  });
  afterAll(() => setRuntime(undefined));

  const recorded = (name: keyof typeof fakes): LocalTask => async (input) => {
    (calls[name] ??= []).push(input);
    return fakes[name](input);
  };
  const tasks = (): Record<string, LocalTask> => ({
    cacheRecoveryPlan: asTask('cacheRecoveryPlan', plan),
    cacheRecoverySeed: asTask('cacheRecoverySeed', seed),
    cacheRestoreTestStatus: async (input) => {
      counts.status += 1;
      clock.advance(60_000);
      await standIn.settled();
      return asTask('cacheRestoreTestStatus', status)(input);
    },
    validateCacheRestore: asTask('validateCacheRestore', validate),
    requestApproval: recorded('approve'),
    switchEndpoint: recorded('switchEndpoint'),
    checkEndpointChange: recorded('checkChange'),
    cacheRecoveryRetire: asTask('cacheRecoveryRetire', retire),
    cacheRecoveryTeardown: async (input) => {
      counts.teardown += 1;
      clock.advance(60_000);
      return asTask('cacheRecoveryTeardown', teardown)(input);
    },
    cacheRecoveryNotify: asTask('cacheRecoveryNotify', notify),
  });
  const recover = (input: unknown = { cache: 'app-redis' }) => runLocally(redisRecoveryDefinition(policy), input, tasks(), { executionName: 'recovery-1' });
  const created = () => standIn.groups().filter((g) => g.id !== SOURCE);
  const sourceUntouched = async () => {
    expect(standIn.groups().find((g) => g.id === SOURCE)?.status).toBe('available');
    expect((await sourceTags()).map((t) => t.Key)).not.toContain(TAG.replacedBy);
  };

  it('approved: seeds a production-shaped group from the newest verified snapshot, proves the data, switches the endpoint, tags the old group and keeps it', async () => {
    const run = await recover();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual(['Start', 'Plan', 'Seed', 'Wait for group', 'Validate', 'Validated?', 'Request approval', 'Switch endpoint', 'Route 53 change?', 'Retire replaced group', 'Report', 'Recovered']);
    const [group] = created();
    expect(group).toMatchObject({ region: PRIMARY, id: GROUP, status: 'available' });
    // The newest verified backup (not the newer unverified one), from the snapshot itself; production's shape.
    expect(group!.request).toEqual({
      ReplicationGroupId: GROUP,
      ReplicationGroupDescription: `backup-dr recovery of app-redis from ${NEWEST}`,
      CacheNodeType: 'cache.r7g.large',
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      SnapshotRetentionLimit: 1,
      AtRestEncryptionEnabled: true,
      TransitEncryptionEnabled: false,
      SnapshotName: NEWEST,
      CacheSubnetGroupName: 'app-redis-private',
      SecurityGroupIds: ['sg-0aa11bb22cc33dd44'],
      CacheParameterGroupName: 'app-redis-params',
      Tags: [
        { Key: TAG.owner, Value: 'backup-dr' },
        { Key: TAG.policy, Value: policy.name },
        { Key: TAG.resource, Value: 'app-redis' },
        { Key: TAG.recovery, Value: GROUP },
        { Key: TAG.recoveryExecution, Value: EXECUTION },
        { Key: TAG.createdAt, Value: new Date(START).toISOString() },
      ],
    });
    expect(counts).toEqual({ status: 10, teardown: 0 });
    const host = (run.output as { group: { host: string } }).group.host;
    expect(calls.approve).toEqual([
      {
        token: 'local-task-token-recovery-1',
        execution: EXECUTION,
        runbook: 'redis-recovery',
        plan: {
          resource: 'app-redis',
          backup: NEWEST,
          restorePoint: Date.parse('2026-12-03T12:00:00+09:00'),
          verified: true,
          seededFrom: 'snapshot',
          newGroup: GROUP,
          newAddress: host,
          nodes: 2,
          nodeType: 'cache.r7g.large',
          replaces: SOURCE,
          validation: 'passed',
          validationReport: `validation/app-redis/2026/12/${GROUP}.json`,
        },
      },
    ]);
    expect((run.output as { validation: { checks: { name: string; status: string }[] } }).validation.checks.map((c) => `${c.name}:${c.status}`)).toEqual([
      'connectivity:pass', 'key-counts:pass', 'sampled-keys:pass', 'required-keys:pass', 'assertions:pass',
    ]);
    // The host only: a Route 53 CNAME takes no port, and the application keeps its own.
    expect(calls.switchEndpoint).toEqual([{ resource: 'app-redis', address: host, execution: EXECUTION }]);
    expect(calls.checkChange).toBeUndefined();
    expect(await sourceTags()).toEqual([
      { Key: 'team', Value: 'app' },
      { Key: TAG.replacedBy, Value: GROUP },
      { Key: TAG.keepUntil, Value: new Date(clock.now() + 7 * 86_400_000).toISOString() },
    ]);
    expect(standIn.groups().find((g) => g.id === SOURCE)?.status).toBe('available');
    const [alert] = alerts();
    expect(alerts()).toHaveLength(1);
    expect(alert).toMatchObject({ severity: 'info', kind: 'redis-recovery-succeeded', summary: `cache recovery done: the application now uses ${GROUP} (app-redis as of 2026-12-03T12:00:00+09:00)` });
    // RTO: seeding requested at 18:08, available after ten one-minute polls, validated at once; RPO: the backup's age.
    expect(record()).toMatchObject({ outcome: 'succeeded', rtoMs: 10 * 60_000, rtoTargetMs: 30 * 60_000, rpoMs: (6 * 60 + 8) * 60_000, rpoTargetMs: 6 * 3_600_000, recordKey: `runs/redis-recovery/${GROUP}.json` });
    expect(alert!.details).toMatchObject({ rtoSeconds: 600, rpoSeconds: 22_080, record: `runs/redis-recovery/${GROUP}.json` });
    expect(record()!.steps).toContain('RPO 368 min: the backup\'s age when the recovery began (target 360 min): MISSED');
  });

  it('seeds from the export by its S3 ARN, with the engine of production, when the snapshot is gone', async () => {
    install(10 * 60_000);
    standIn.restore();
    standIn = new ElastiCacheStandIn(clock, { seedMs: 10 * 60_000, dataPlane: plane });
    standIn.addSubnetGroup('app-redis-private');
    standIn.addSourceGroup(PRIMARY, SOURCE, { host: '127.0.0.1', port: source.port }, [], PRODUCTION_SHAPE);
    standIn.install();
    const run = await recover();
    expect(run.status).toBe('SUCCEEDED');
    expect(created()[0]!.request).toMatchObject({ SnapshotArns: [`arn:aws:s3:::${EXPORTS}/${NEWEST}-0001.rdb`], Engine: 'redis', EngineVersion: '7.1', NumCacheClusters: 2 });
    expect(created()[0]!.request.SnapshotName).toBeUndefined();
  });

  it('recovers the export or the unverified snapshot it is given by name, and says in the approval that it is not verified', async () => {
    const byExport = await recover({ cache: 'app-redis', export: `${OLDER}-0001.rdb`, replicationGroupId: 'bdr-rec-app-redis-v2' });
    expect(byExport.status).toBe('SUCCEEDED');
    expect(created()[0]).toMatchObject({ id: 'bdr-rec-app-redis-v2', request: { SnapshotArns: [`arn:aws:s3:::${EXPORTS}/${OLDER}-0001.rdb`] } });
    // No manifest was captured with OLDER: the data cannot be compared; inconclusive goes on to the approval.
    expect((calls.approve?.[0] as { plan: Record<string, unknown> }).plan).toMatchObject({ backup: OLDER, verified: true, seededFrom: 'export', validation: 'inconclusive' });

    for (const key of Object.keys(calls)) delete calls[key];
    clock.advance(3_600_000);
    const bySnapshot = await recover({ cache: 'app-redis', snapshot: UNVERIFIED });
    expect(bySnapshot.status).toBe('SUCCEEDED');
    expect(created().map((g) => g.request.SnapshotName)).toContain(UNVERIFIED);
    expect((calls.approve?.[0] as { plan: Record<string, unknown> }).plan).toMatchObject({ backup: UNVERIFIED, verified: false, seededFrom: 'snapshot' });
  });

  it('waits for a Route 53 endpoint change to be INSYNC before retiring the old group', async () => {
    fakes.switchEndpoint = async (input) => ({ resource: 'app-redis', target: 'route53:redis.app.internal', previous: 'old', current: (input as { address: string }).address, changed: true, changeId: 'C123', insync: false });
    const run = await recover();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states.slice(7, 11)).toEqual(['Switch endpoint', 'Route 53 change?', 'Check endpoint change', 'Retire replaced group']);
    expect(calls.checkChange).toEqual([{ changeId: 'C123' }]);
  });

  it.each([
    { answer: 'rejected', error: new ApprovalRejected('rejected by alice'), summary: '(rejected)' },
    { answer: 'not given in time', error: new StatesTimeout('no answer'), summary: '(no approval within 60 min)' },
  ])('when approval is $answer: deletes the new group, switches nothing, leaves production as it was, warns', async ({ error, summary }) => {
    fakes.approve = async () => {
      throw error;
    };
    const run = await recover();
    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('CacheRecoveryRejected');
    expect(run.states.slice(-4)).toEqual(['Request approval', 'Teardown after rejection', 'Notify rejected', 'Rejected']);
    expect(created()).toEqual([expect.objectContaining({ id: GROUP, status: 'deleting' })]);
    expect(calls.switchEndpoint).toBeUndefined();
    await sourceUntouched();
    expect(alerts()).toEqual([expect.objectContaining({ severity: 'warning', kind: 'redis-recovery-rejected', summary: expect.stringContaining(summary) })]);
    expect(record()!.steps).toContain(`left: ${GROUP} deleted`);
  });

  describe('failure at each step: what is left, and the alert', () => {
    it('Seed: a group of that name that is not this recovery\'s is neither used nor deleted', async () => {
      standIn.addForeignGroup(PRIMARY, GROUP, [{ Key: 'team', Value: 'payments' }]);
      const run = await recover();
      expect(run.error?.name).toBe('CacheRecoveryFailed');
      expect(run.states).toEqual(['Start', 'Plan', 'Seed', 'Tear down after failure', 'Teardown after failure', 'Notify failure', 'Failed']);
      expect(created()).toEqual([expect.objectContaining({ id: GROUP, status: 'available', request: expect.objectContaining({ ReplicationGroupDescription: 'not ours' }) })]);
      const [alert] = alerts();
      expect(alert).toMatchObject({ severity: 'critical', kind: 'redis-recovery-failed', summary: expect.stringContaining(`CacheRestoreFailed: a replication group named ${GROUP} exists and is not this recovery's`) });
      expect(alert!.details.steps).toContain(`left: a group named ${GROUP} that is not this recovery's was left untouched`);
      await sourceUntouched();
    });

    it('Wait for group: a group that fails to seed (create-failed) fails at once and is deleted', async () => {
      install(10 * 60_000, new RedisDataPlane({ snapshotRdb: () => Buffer.from('REDIS0011 not an rdb at all') }));
      const run = await recover();
      expect(run.error?.name).toBe('CacheRecoveryFailed');
      expect(counts.status).toBe(1);
      expect(run.states.slice(-5)).toEqual(['Wait for group', 'Tear down after failure', 'Teardown after failure', 'Notify failure', 'Failed']);
      expect(created()[0]?.status).toBe('deleting');
      expect(alerts()[0]!.summary).toMatch(/CacheRestoreFailed: .*create-failed/);
      await sourceUntouched();
    });

    it('Wait for group: gives up at restoreTest.timeout, then deletes the group once it can', async () => {
      install(90 * 60_000);
      const run = await recover();
      expect(run.error?.name).toBe('CacheRecoveryFailed');
      expect(counts.status).toBe(61);
      expect(counts.teardown).toBe(29);
      expect(created()[0]?.status).toBe('deleting');
      expect(alerts()[0]!.summary).toContain('CacheRestoreTimedOut');
    });

    it('Wait for group: waits up to the cache\'s RTO where it is longer than restoreTest.timeout (a production-shaped group takes longer)', async () => {
      usePolicy((d) => (d.resources.caches[0].objectives = { rpo: '6h', rto: '2h' }));
      install(90 * 60_000);
      const run = await recover();
      expect(run.error).toBeUndefined();
      expect(run.states).toContain('Switch endpoint');
      expect(counts.status).toBeGreaterThan(60);
      expect(counts.status).toBeLessThan(120);
      expect(created()[0]?.status).toBe('available');
    });

    it('Validate: data lost in the restore fails validation, the group is deleted before anyone is asked', async () => {
      afterSeed = async (client) => {
        await client.set('config:schema-version', '41');
        const keys = await client.keys('item:*');
        await client.del(...keys.slice(0, 300));
      };
      const run = await recover();
      expect(run.error?.name).toBe('CacheRecoveryFailed');
      expect(run.states.slice(-7)).toEqual(['Validate', 'Validated?', 'Validation failed', 'Tear down after failure', 'Teardown after failure', 'Notify failure', 'Failed']);
      expect(calls.approve).toBeUndefined();
      expect(created()[0]?.status).toBe('deleting');
      expect(alerts()[0]!.summary).toContain(`ValidationFailed: the recovered group failed validation; full report: validation/app-redis/2026/12/${GROUP}.json`);
      await sourceUntouched();
    });

    it('Request approval: a failing request deletes the group (nothing was switched)', async () => {
      fakes.approve = async () => {
        throw Object.assign(new Error('no bucket'), { name: 'NoSuchBucket' });
      };
      const run = await recover();
      expect(run.error?.name).toBe('CacheRecoveryFailed');
      expect(created()[0]?.status).toBe('deleting');
      expect(alerts()[0]).toMatchObject({ severity: 'critical', summary: expect.stringContaining('NoSuchBucket') });
    });

    it('Switch endpoint: keeps both groups (the switch may have happened), retires nothing, alerts', async () => {
      fakes.switchEndpoint = async () => {
        throw Object.assign(new Error('AccessDenied on ssm:PutParameter'), { name: 'AccessDeniedException' });
      };
      const run = await recover();
      expect(run.states.slice(-3)).toEqual(['Switch endpoint', 'Notify failure', 'Failed']);
      expect(created()[0]?.status).toBe('available');
      await sourceUntouched();
      expect(alerts()[0]).toMatchObject({ severity: 'critical', summary: expect.stringContaining('AccessDeniedException') });
      expect(alerts()[0]!.details.steps).toContain(`left: the new group ${GROUP} is kept`);
    });

    it('Retire replaced group: after the switch, says the application already uses the new group, deletes nothing', async () => {
      standIn.addForeignGroup(PRIMARY, 'unused', []);
      const failing = tasks();
      const run = await runLocally(redisRecoveryDefinition(policy), { cache: 'app-redis' }, {
        ...failing,
        cacheRecoveryRetire: async () => {
          throw Object.assign(new Error('not authorized to tag'), { name: 'AccessDenied' });
        },
      }, { executionName: 'recovery-1' });
      expect(run.states.slice(-3)).toEqual(['Retire replaced group', 'Notify failure', 'Failed']);
      expect(created().find((g) => g.id === GROUP)?.status).toBe('available');
      expect(alerts()[0]).toMatchObject({ severity: 'critical', summary: expect.stringContaining('after the endpoint switch'), action: expect.stringContaining(`already points at ${GROUP}`) });
      expect(alerts()[0]!.details.steps).toContain(`left: the application already uses ${GROUP}: it is kept`);
    });
  });

  it('with no verified export there is nothing to recover from: nothing is created, the alert says how to name one', async () => {
    objects.clear();
    exported(NEWEST, rdb, false);
    const run = await recover();
    expect(run.states).toEqual(['Start', 'Plan', 'Notify failure', 'Failed']);
    expect(created()).toEqual([]);
    expect(alerts()[0]!.summary).toContain('NoCacheRestorePoint: no whole, verified export of "app-redis"');
  });

  it.each([
    { input: { cache: 'nope' }, field: 'cache' },
    { input: {}, field: 'cache' },
    { input: { cache: 'app-redis', snapshot: NEWEST, export: `${NEWEST}-0001.rdb` }, field: 'export' },
    { input: { cache: 'app-redis', snapshot: 'my-manual-snapshot' }, field: 'snapshot' },
    { input: { cache: 'app-redis', snapshot: 'backup-dr-app-redis-20261201-0000' }, field: 'snapshot' },
    { input: { cache: 'app-redis', export: 'dump.rdb' }, field: 'export' },
    { input: { cache: 'app-redis', export: 'backup-dr-app-redis-20261201-0000-0001.rdb' }, field: 'export' },
    { input: { cache: 'app-redis', replicationGroupId: 'app-redis-new' }, field: 'replicationGroupId' },
    { input: { cache: 'app-redis', replicationGroupId: 'bdr-rec--x' }, field: 'replicationGroupId' },
    { input: { cache: 'app-redis', resource: 'app-redis' }, field: 'resource' },
  ])('bad input: names $field, creates nothing and alerts', async ({ input, field }) => {
    const run = await recover(input);
    expect(run.states).toEqual(['Start', 'Plan', 'Notify failure', 'Failed']);
    expect(created()).toEqual([]);
    expect(alerts()[0]).toMatchObject({ severity: 'critical', kind: 'redis-recovery-failed', summary: expect.stringContaining(`InvalidInput: ${field}: `) });
    await sourceUntouched();
  });
});
