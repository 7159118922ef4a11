// capture-cache-manifest against a real redis-server (with AUTH) found through a mocked
// DescribeReplicationGroups, the token from a mocked Secrets Manager, the manifest written to a mocked S3:
// stored once under the snapshot's name, a duplicate event leaves it, a wrong token or a cluster-mode
// group fails that cache alone with one alert, and the secret's value appears in no log line.

import { DescribeReplicationGroupsCommand, ElastiCacheClient, type ReplicationGroup } from '@aws-sdk/client-elasticache';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureCacheManifests as captureParsed } from '../../../functions/redis/capture-cache-manifest/capture-cache-manifest.js';
import { InvalidInput, RunFailed } from '../../../shared/errors.js';
import { groupAddress, cacheCredentials } from '../../../shared/redis/endpoint.js';
import { scheduledCacheRunEvent } from '../../../shared/redis/events.js';
import type { RedisManifest } from '../../../shared/redis/types.js';
import { parseInput } from '../../../shared/runtime/input.js';
import { redisServerAvailable, startRedis, type TestRedis } from '../../helpers/redis.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const REGION = 'ap-northeast-1';
const BUCKET = 'backup-dr-reports-test-123456789012-ap-northeast-1';
const TOKEN = 'correct-horse-battery-staple-0123456789';
const SCHEDULED = '2026-11-24T21:00:00Z'; // 06:00 in Tokyo
const NOW = Date.parse('2026-11-25T06:00:03+09:00');
const up = redisServerAvailable();

const elasticache = new ElastiCacheClient({ region: REGION });
const secrets = new SecretsManagerClient({ region: REGION });
const s3 = new S3Client({ region: REGION });
const ec = mockClient(elasticache);
const sm = mockClient(secrets);
const s3Mock = mockClient(s3);
const policy = teamPolicy((d) => {
  d.resources.caches[0].validation = { ...d.resources.caches[0].validation, tls: false, authSecret: 'backup-dr/app-redis-auth', sampleKeys: 20 };
});
const capture = (log = new RecordingLog(), alerts = new RecordingAlerts(), event: unknown = { scheduledTime: SCHEDULED }) =>
  captureParsed({ policy, elasticache, secrets, s3, bucket: BUCKET, alerts, log, now: () => NOW }, parseInput(scheduledCacheRunEvent, event));

const group = (port: number, over: Partial<ReplicationGroup> = {}): ReplicationGroup => ({
  ReplicationGroupId: 'app-redis-prod',
  Status: 'available',
  ClusterEnabled: false,
  NodeGroups: [{ NodeGroupId: '0001', PrimaryEndpoint: { Address: '127.0.0.1', Port: port }, NodeGroupMembers: [{ CacheClusterId: 'app-redis-prod-001', CurrentRole: 'primary' }] }],
  ...over,
});

describe.skipIf(!up)('capture-cache-manifest (real redis-server with AUTH)', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startRedis({ password: TOKEN });
  });
  afterAll(async () => server?.stop());
  beforeEach(async () => {
    ec.reset();
    sm.reset();
    s3Mock.reset();
    ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [group(server.port)] });
    sm.on(GetSecretValueCommand, { SecretId: 'backup-dr/app-redis-auth' }).resolves({ SecretString: TOKEN });
    s3Mock.on(PutObjectCommand).resolves({});
  });

  it('stores the manifest of the run under the snapshot name, once, written only if absent', async () => {
    await (await server.client()).mset('a', '1', 'b', '2', 'c', '3');
    const log = new RecordingLog();
    const outcomes = await capture(log);
    expect(outcomes).toEqual([{ resource: 'app-redis', snapshotName: 'backup-dr-app-redis-20261125-0600', status: 'captured', key: 'manifests/app-redis/backup-dr-app-redis-20261125-0600.json', keys: 3 }]);
    const put = s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: BUCKET, Key: 'manifests/app-redis/backup-dr-app-redis-20261125-0600.json', ContentType: 'application/json', IfNoneMatch: '*' });
    const manifest = JSON.parse(put.Body as string) as RedisManifest;
    expect(manifest).toMatchObject({ format: 'backup-dr/redis-manifest@1', snapshotId: 'backup-dr-app-redis-20261125-0600', replicationGroupId: 'app-redis-prod', capturedAt: new Date(NOW).toISOString() });
    expect(manifest.databases['0']).toMatchObject({ keys: 3 });
    expect(manifest.databases['0']!.sample.map((k) => k.key).sort()).toEqual(['a', 'b', 'c']);
    expect(JSON.stringify(log.lines)).not.toContain(TOKEN);
  });

  it('leaves a manifest already there (a duplicate event)', async () => {
    s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed' }));
    expect((await capture())[0]!.status).toBe('already-captured');
  });

  it('fails the cache, alerting once, with a wrong token, and never logs the token', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: 'wrong-token-for-sure' }) });
    const log = new RecordingLog();
    const alerts = new RecordingAlerts();
    await expect(capture(log, alerts)).rejects.toBeInstanceOf(RunFailed);
    expect(alerts.published).toHaveLength(1);
    expect(alerts.published[0]).toMatchObject({ severity: 'warning', kind: 'manifest-failed', resource: 'app-redis', summary: expect.stringContaining('no manifest for backup-dr-app-redis-20261125-0600') as string });
    expect(JSON.stringify([log.lines, alerts.published])).not.toContain('wrong-token-for-sure');
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('refuses a cluster-mode group by name (one connection sees one shard)', async () => {
    ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [group(server.port, { ClusterEnabled: true })] });
    const alerts = new RecordingAlerts();
    await expect(capture(new RecordingLog(), alerts)).rejects.toBeInstanceOf(RunFailed);
    expect(alerts.published[0]!.summary).toContain('runs in cluster mode');
  });

  it('refuses an unknown cache name, naming the field, and reads nothing', async () => {
    await expect(capture(new RecordingLog(), new RecordingAlerts(), { resources: ['nope'] })).rejects.toBeInstanceOf(InvalidInput);
    expect(ec.calls()).toHaveLength(0);
  });
});

describe('groupAddress and cacheCredentials', () => {
  it('prefers the reader endpoint when the group has a replica', () => {
    const g: ReplicationGroup = {
      ReplicationGroupId: 'g',
      NodeGroups: [{ PrimaryEndpoint: { Address: 'p', Port: 6379 }, ReaderEndpoint: { Address: 'r', Port: 6379 }, NodeGroupMembers: [{ CurrentRole: 'primary' }, { CurrentRole: 'replica' }] }],
    };
    expect(groupAddress(g)).toEqual({ host: 'r', port: 6379, via: 'reader' });
    expect(groupAddress({ ...g, NodeGroups: [{ ...g.NodeGroups![0]!, NodeGroupMembers: [{ CurrentRole: 'primary' }] }] })).toEqual({ host: 'p', port: 6379, via: 'primary' });
    expect(groupAddress({ ReplicationGroupId: 'g', NodeGroups: [] })).toEqual({ refused: 'replication group g reports no endpoint (is it available?)' });
  });

  it('reads a plain token, an RBAC user, and refuses a secret without a password, naming it', async () => {
    const client = new SecretsManagerClient({ region: REGION });
    const mock = mockClient(client);
    mock.on(GetSecretValueCommand, { SecretId: 'plain' }).resolves({ SecretString: 'tok' });
    mock.on(GetSecretValueCommand, { SecretId: 'rbac' }).resolves({ SecretString: '{"username":"backup","password":"pw"}' });
    mock.on(GetSecretValueCommand, { SecretId: 'bad' }).resolves({ SecretString: '{"user":"x"}' });
    expect(await cacheCredentials(client, 'plain')).toEqual({ password: 'tok' });
    expect(await cacheCredentials(client, 'rbac')).toEqual({ username: 'backup', password: 'pw' });
    await expect(cacheCredentials(client, 'bad')).rejects.toThrow('secret bad lacks a "password" string');
    mock.restore();
  });
});
