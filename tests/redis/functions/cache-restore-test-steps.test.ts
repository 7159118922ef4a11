// The steps of the cache restore test on their own, ElastiCache and Secrets Manager answered by
// aws-sdk-client-mock: the exact requests (AUTH token or user group, never a logged secret), every
// refusal path with the error the state machine acts on, and the pure decisions (naming, picking,
// readiness, teardown) at their edges. The whole machine runs in cache-restore-test.sm.test.ts.

import {
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ListTagsForResourceCommand,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cacheFor, cachePlan, engineVersionOf, pickExport, restoreGroupId, restoreRole, type ExportCandidate } from '../../../functions/redis/cache-restore-test-plan/plan.js';
import { seedCacheRestore } from '../../../functions/redis/cache-restore-test-seed/cache-restore-test-seed.js';
import { groupReadiness } from '../../../functions/redis/cache-restore-test-status/plan.js';
import { teardownCacheRestore } from '../../../functions/redis/cache-restore-test-teardown/cache-restore-test-teardown.js';
import { judgeCacheRun } from '../../../functions/redis/cache-restore-test-record/plan.js';
import { elastiCacheError } from '../../../sandbox/aws/elasticache-standin.js';
import { TAG } from '../../../shared/contracts.js';
import { ConfigurationError, InvalidInput } from '../../../shared/errors.js';
import { CacheRestoreFailed, CacheRestoreNotReady, CacheRestoreTimedOut, CacheTeardownNotReady, CacheTeardownRefused, NoCacheRestorePoint } from '../../../shared/redis/errors.js';
import type { CacheRestorePlan } from '../../../shared/redis/restore-run.js';
import { RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const REGION = 'ap-northeast-1';
const NOW = Date.parse('2026-11-29T05:00:00+09:00');
const TOKEN = 'a-very-secret-auth-token-0123456789';
const policy = teamPolicy();
const cache = cacheFor(policy, 'app-redis');
const exportOf = (snapshotName: string, over: Partial<ExportCandidate> = {}): ExportCandidate => ({ snapshotName, keys: [`${snapshotName}-0001.rdb`], whole: true, verified: true, ...over });
const planFor = (over: Partial<CacheRestorePlan> = {}): CacheRestorePlan => ({
  ...cachePlan(policy, cache, { role: 'primary', chosen: { ...exportOf('backup-dr-app-redis-20261129-0000'), takenAt: Date.parse('2026-11-29T00:00:00+09:00') }, newest: true, bucket: 'exports', snapshotAvailable: true, manifest: null, now: NOW }),
  ...over,
});

describe('planning a cache restore test', () => {
  it('names the temporary group within ElastiCache\'s 40 characters, from the policy\'s wall clock', () => {
    expect(restoreGroupId('app-redis', NOW, 'Asia/Tokyo')).toBe('bdr-crt-app-redis-202611290500');
    const long = restoreGroupId('a-cache-with-a-name-of-forty-characters', NOW, 'Asia/Tokyo');
    expect(long.length).toBeLessThanOrEqual(40);
    expect(long).toBe('bdr-crt-a-cache-with-a-name-202611290500');
    expect(long).not.toMatch(/--|-$/);
  });

  it('reads ElastiCache\'s engine version from the one INFO reported', () => {
    expect(engineVersionOf('7.1.0')).toBe('7.1');
    expect(engineVersionOf('8.0.2')).toBe('8.0');
    expect(engineVersionOf('unknown')).toBeUndefined();
  });

  it('picks the newest whole and verified export; a named one must be whole; none at all is NoCacheRestorePoint', () => {
    const exports = [exportOf('backup-dr-app-redis-20261128-1800'), exportOf('backup-dr-app-redis-20261129-0000', { verified: false }), exportOf('backup-dr-app-redis-20261128-1200', { whole: false, verified: false })];
    expect(pickExport(cache, 'primary', 'latest', exports, 'Asia/Tokyo').snapshotName).toBe('backup-dr-app-redis-20261128-1800');
    // Named by the operator: unverified is allowed (the test is how to find out), not whole is not.
    expect(pickExport(cache, 'primary', 'backup-dr-app-redis-20261129-0000', exports, 'Asia/Tokyo').verified).toBe(false);
    expect(() => pickExport(cache, 'primary', 'backup-dr-app-redis-20261128-1200', exports, 'Asia/Tokyo')).toThrow(new InvalidInput('backup', 'the export backup-dr-app-redis-20261128-1200 is not whole (a node group\'s .rdb or its marker is missing): it cannot seed a group'));
    expect(() => pickExport(cache, 'primary', 'backup-dr-app-redis-20990101-0000', exports, 'Asia/Tokyo')).toThrow(InvalidInput);
    expect(() => pickExport(cache, 'secondary', 'latest', [exportOf('backup-dr-app-redis-20261129-0000', { verified: false })], 'Asia/Tokyo')).toThrow(NoCacheRestorePoint);
    // Another cache's exports ("app" never claims "app-redis"'s) are not candidates.
    const app = { ...cache, name: 'app' };
    expect(() => pickExport(app, 'primary', 'latest', exports, 'Asia/Tokyo')).toThrow(NoCacheRestorePoint);
  });

  it('refuses what it cannot restore: a cluster-mode export, a cache without restoreTest, a region not its own', () => {
    expect(() => cachePlan(policy, cache, { role: 'primary', chosen: { ...exportOf('backup-dr-app-redis-20261129-0000', { keys: ['a-0001.rdb', 'a-0002.rdb'] }), takenAt: NOW }, newest: true, bucket: 'b', snapshotAvailable: false, manifest: null, now: NOW })).toThrow(
      /2 node groups \(cluster mode\)/,
    );
    const bare = teamPolicy((d) => delete d.resources.caches[0].restoreTest);
    expect(() => cacheFor(bare, 'app-redis')).toThrow(new InvalidInput('resource', '"app-redis" has no restoreTest settings in the policy'));
    expect(() => restoreRole(policy, 'secondary', 'primary')).toThrow(/start the cache-restore-test state machine in ap-southeast-1/);
  });

  it('seeds from the snapshot in the primary while it exists, else from the export; in the secondary from the export with its network', () => {
    expect(planFor().seed).toEqual({ kind: 'snapshot', snapshotName: 'backup-dr-app-redis-20261129-0000' });
    const secondary = cachePlan(policy, cache, { role: 'secondary', chosen: { ...exportOf('backup-dr-app-redis-20261129-0000'), takenAt: NOW }, newest: true, bucket: 'exports-sg', snapshotAvailable: true, manifest: null, now: NOW });
    expect(secondary).toMatchObject({ seed: { kind: 'export', bucket: 'exports-sg', keys: ['backup-dr-app-redis-20261129-0000-0001.rdb'] }, securityGroups: ['sg-0e1f2a3b4c5d6e7f8'], region: 'ap-southeast-1', waitUntil: NOW + 3_600_000 });
  });

  it('the policy refuses a secondary-region test without its network there, and a node type that is not one', () => {
    expect(() => teamPolicy((d) => Object.assign(d.resources.caches[0].restoreTest, { region: 'secondary', secondary: undefined }))).toThrow(/caches\[0\]\.restoreTest\.secondary/);
    expect(() => teamPolicy((d) => Object.assign(d.resources.caches[0].restoreTest, { nodeType: 't4g.micro' }))).toThrow(/caches\[0\]\.restoreTest\.nodeType: must be an ElastiCache node type/);
  });
});

describe('seeding the temporary group', () => {
  const ec = mockClient(ElastiCacheClient);
  const sm = mockClient(SecretsManagerClient);
  const elasticache = new ElastiCacheClient({ region: REGION });
  const secrets = new SecretsManagerClient({ region: REGION });
  const withAuth = (secret: string, over: Record<string, unknown> = {}) =>
    teamPolicy((d) => {
      d.resources.caches[0].validation.authSecret = 'backup-dr/app-redis-auth';
      Object.assign(d.resources.caches[0].restoreTest, over);
      sm.on(GetSecretValueCommand, { SecretId: 'backup-dr/app-redis-auth' }).resolves({ SecretString: secret });
    });
  beforeEach(() => {
    ec.reset();
    sm.reset();
    ec.on(CreateReplicationGroupCommand).resolves({});
  });

  it('creates the group with the source\'s AUTH token and logs no secret', async () => {
    const log = new RecordingLog();
    const seeded = await seedCacheRestore({ policy: withAuth(TOKEN), elasticache, secrets, log, now: () => NOW }, planFor());
    expect(seeded).toEqual({ requestedAt: NOW, alreadyExisted: false });
    expect(ec).toHaveReceivedCommandWith(CreateReplicationGroupCommand, { ReplicationGroupId: 'bdr-crt-app-redis-202611290500', AuthToken: TOKEN, TransitEncryptionEnabled: true, SnapshotName: 'backup-dr-app-redis-20261129-0000' });
    expect(JSON.stringify(log.lines)).not.toContain(TOKEN);
    expect(JSON.stringify(seeded)).not.toContain(TOKEN);
  });

  it('joins the policy\'s user group for RBAC users, and refuses RBAC without one or a token without TLS, before creating anything', async () => {
    const rbac = JSON.stringify({ username: 'reader', password: TOKEN });
    await seedCacheRestore({ policy: withAuth(rbac, { userGroupId: 'app-redis-users' }), elasticache, secrets, log: new RecordingLog(), now: () => NOW }, planFor({ userGroupId: 'app-redis-users' }));
    expect(ec.commandCalls(CreateReplicationGroupCommand)[0]!.args[0].input).toMatchObject({ UserGroupIds: ['app-redis-users'] });
    expect(ec.commandCalls(CreateReplicationGroupCommand)[0]!.args[0].input.AuthToken).toBeUndefined();
    ec.resetHistory();
    await expect(seedCacheRestore({ policy: withAuth(rbac), elasticache, secrets, log: new RecordingLog(), now: () => NOW }, planFor())).rejects.toThrow(ConfigurationError);
    const noTls = teamPolicy((d) => {
      d.resources.caches[0].validation = { ...d.resources.caches[0].validation, authSecret: 'backup-dr/app-redis-auth', tls: false };
    });
    sm.on(GetSecretValueCommand).resolves({ SecretString: TOKEN });
    await expect(seedCacheRestore({ policy: noTls, elasticache, secrets, log: new RecordingLog(), now: () => NOW }, planFor())).rejects.toThrow(/only with in-transit encryption/);
    expect(ec.commandCalls(CreateReplicationGroupCommand)).toHaveLength(0);
  });

  it('goes on with this run\'s group after a retry, refuses another\'s, names ElastiCache\'s refusal, and leaves throttling to the state machine', async () => {
    const deps = { policy, elasticache, secrets, log: new RecordingLog(), now: () => NOW };
    const arn = `arn:aws:elasticache:${REGION}:123456789012:replicationgroup:bdr-crt-app-redis-202611290500`;
    ec.on(CreateReplicationGroupCommand).rejects(elastiCacheError('ReplicationGroupAlreadyExistsFault', 'Replication group bdr-crt-app-redis-202611290500 already exists.'));
    ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [{ ReplicationGroupId: 'bdr-crt-app-redis-202611290500', ARN: arn, Status: 'creating' }] });
    ec.on(ListTagsForResourceCommand, { ResourceName: arn }).resolves({ TagList: [{ Key: TAG.owner, Value: 'backup-dr' }, { Key: TAG.policy, Value: policy.name }, { Key: TAG.restoreTest, Value: 'bdr-crt-app-redis-202611290500' }] });
    expect(await seedCacheRestore(deps, planFor())).toEqual({ requestedAt: NOW, alreadyExisted: true });
    ec.on(ListTagsForResourceCommand, { ResourceName: arn }).resolves({ TagList: [{ Key: TAG.owner, Value: 'backup-dr' }, { Key: TAG.policy, Value: policy.name }, { Key: TAG.restoreTest, Value: 'bdr-crt-app-redis-202611220500' }] });
    await expect(seedCacheRestore(deps, planFor())).rejects.toThrow(new CacheRestoreFailed("a replication group named bdr-crt-app-redis-202611290500 exists and is not this run's: refusing to use it"));
    ec.on(CreateReplicationGroupCommand).rejects(elastiCacheError('InsufficientCacheClusterCapacityFault', 'cache.t4g.micro is not available in ap-northeast-1a'));
    await expect(seedCacheRestore(deps, planFor())).rejects.toThrow(/^ElastiCache refused to seed bdr-crt-app-redis-202611290500 from backup-dr-app-redis-20261129-0000: InsufficientCacheClusterCapacityFault: cache.t4g.micro/);
    ec.on(CreateReplicationGroupCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await expect(seedCacheRestore(deps, planFor())).rejects.toMatchObject({ name: 'Throttling' });
  });
});

describe('waiting for and tearing down the group', () => {
  const group = (Status: string, over: Partial<ReplicationGroup> = {}): ReplicationGroup => ({ ReplicationGroupId: 'bdr-crt-app-redis-202611290500', ARN: 'arn:group', Status, ...over });
  const endpoint = { NodeGroups: [{ NodeGroupId: '0001', PrimaryEndpoint: { Address: 'bdr-crt.cache.amazonaws.com', Port: 6379 } }] };

  it('is ready when available with an endpoint; waits while creating; fails at once on create-failed or deleting; times out at waitUntil', () => {
    expect(groupReadiness(planFor(), group('available', endpoint), NOW + 60_000)).toEqual({ host: 'bdr-crt.cache.amazonaws.com', port: 6379, availableAt: NOW + 60_000 });
    expect(() => groupReadiness(planFor(), group('available'), NOW)).toThrow(CacheRestoreNotReady);
    expect(() => groupReadiness(planFor(), group('creating'), NOW)).toThrow(CacheRestoreNotReady);
    expect(() => groupReadiness(planFor(), undefined, NOW)).toThrow(new CacheRestoreNotReady('the temporary group bdr-crt-app-redis-202611290500 is "not visible yet"'));
    expect(() => groupReadiness(planFor(), group('create-failed'), NOW)).toThrow(CacheRestoreFailed);
    expect(() => groupReadiness(planFor(), group('deleting'), NOW)).toThrow(CacheRestoreFailed);
    expect(() => groupReadiness(planFor(), group('creating'), NOW + 3_600_001)).toThrow(CacheRestoreTimedOut);
  });

  const ec = mockClient(ElastiCacheClient);
  const deps = () => ({ policy, elasticache: new ElastiCacheClient({ region: REGION }), log: new RecordingLog() });
  const ours = [{ Key: TAG.owner, Value: 'backup-dr' }, { Key: TAG.policy, Value: policy.name }, { Key: TAG.restoreTest, Value: 'bdr-crt-app-redis-202611290500' }];
  beforeEach(() => {
    ec.reset();
    ec.on(ListTagsForResourceCommand).resolves({ TagList: ours });
  });

  it('deletes only this run\'s group, without a final snapshot', async () => {
    ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [group('available')] });
    ec.on(DeleteReplicationGroupCommand).resolves({});
    expect(await teardownCacheRestore(deps(), planFor())).toEqual({ deleted: true, detail: 'bdr-crt-app-redis-202611290500 deleted' });
    expect(ec).toHaveReceivedCommandWith(DeleteReplicationGroupCommand, { ReplicationGroupId: 'bdr-crt-app-redis-202611290500', RetainPrimaryCluster: false });
    expect(ec.commandCalls(DeleteReplicationGroupCommand)[0]!.args[0].input.FinalSnapshotIdentifier).toBeUndefined();
    ec.on(ListTagsForResourceCommand).resolves({ TagList: [{ Key: TAG.owner, Value: 'backup-dr' }] });
    await expect(teardownCacheRestore(deps(), planFor())).rejects.toThrow(CacheTeardownRefused);
  });

  it('is done when there was no plan, no group, or it is already going; waits while busy; a refusal for its state is waited on too', async () => {
    expect(await teardownCacheRestore(deps(), undefined)).toEqual({ deleted: false, detail: 'nothing was planned, so nothing was seeded' });
    ec.on(DescribeReplicationGroupsCommand).rejects(elastiCacheError('ReplicationGroupNotFoundFault', 'not found'));
    expect((await teardownCacheRestore(deps(), planFor())).deleted).toBe(false);
    ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [group('deleting')] });
    expect(await teardownCacheRestore(deps(), planFor())).toEqual({ deleted: true, detail: 'bdr-crt-app-redis-202611290500 is already being deleted' });
    ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [group('snapshotting')] });
    await expect(teardownCacheRestore(deps(), planFor())).rejects.toThrow(CacheTeardownNotReady);
    ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [group('available')] });
    ec.on(DeleteReplicationGroupCommand).rejects(elastiCacheError('InvalidReplicationGroupStateFault', 'Replication group is not in available state (modifying).'));
    await expect(teardownCacheRestore(deps(), planFor())).rejects.toThrow(CacheTeardownNotReady);
    ec.on(DeleteReplicationGroupCommand).rejects(elastiCacheError('ReplicationGroupNotFoundFault', 'gone'));
    expect(await teardownCacheRestore(deps(), planFor())).toEqual({ deleted: false, detail: 'bdr-crt-app-redis-202611290500 was already gone' });
  });
});

describe('the verdict of a cache restore test', () => {
  const validation = (outcome: 'passed' | 'failed' | 'inconclusive', finishedAt = NOW + 12 * 60_000) => ({
    outcome,
    checks: [{ name: 'connectivity', status: 'pass' as const, detail: 'ok' }, ...(outcome === 'passed' ? [] : [{ name: 'sampled-keys', status: outcome === 'failed' ? ('fail' as const) : ('inconclusive' as const), detail: '3 of 50 differ' }])],
    manifestCapturedAt: null,
    engine: 'redis 7.2.4',
    keys: 10,
    startedAt: NOW + 11 * 60_000,
    finishedAt,
    reportKey: 'validation/x.json',
  });
  const targets = { rtoMs: 30 * 60_000, rpoMs: 6 * 3_600_000 };
  const base = { plan: planFor(), seeded: { requestedAt: NOW, alreadyExisted: false }, teardown: { deleted: true, detail: 'deleted' } };

  it('passes with RTO from seeding to validation and RPO the restored backup\'s age; fails past a target; a failed check fails, an inconclusive one is inconclusive', () => {
    expect(judgeCacheRun({ ...base, validation: validation('passed') }, targets)).toMatchObject({ outcome: 'passed', rtoMs: 12 * 60_000, rpoMs: 5 * 3_600_000, failures: [] });
    expect(judgeCacheRun({ ...base, validation: validation('passed', NOW + 31 * 60_000) }, targets).failures).toEqual(['RTO 31 min exceeds the target of 30 min']);
    expect(judgeCacheRun({ ...base, plan: planFor({ restorePoint: NOW - 7 * 3_600_000 }), validation: validation('passed') }, targets).outcome).toBe('failed');
    // A named (older) backup measures no RPO: it says nothing about how fresh the newest is.
    expect(judgeCacheRun({ ...base, plan: planFor({ newest: false, restorePoint: NOW - 48 * 3_600_000 }), validation: validation('passed') }, targets)).toMatchObject({ outcome: 'passed', rpoMs: null });
    expect(judgeCacheRun({ ...base, validation: validation('failed') }, targets)).toMatchObject({ outcome: 'failed', failures: ['check sampled-keys failed: 3 of 50 differ'], rtoMs: null });
    expect(judgeCacheRun({ ...base, validation: validation('inconclusive') }, targets)).toMatchObject({ outcome: 'inconclusive', inconclusive: ['check sampled-keys was inconclusive: 3 of 50 differ'] });
    const { teardown: _teardown, ...leaked } = base;
    expect(judgeCacheRun({ ...leaked, validation: validation('passed') }, targets).failures).toEqual(['the temporary group was not torn down']);
    expect(judgeCacheRun({ input: {} }, targets).failures).toEqual(['the restore was never validated']);
  });
});
