// take-cache-snapshot against aws-sdk-client-mock: the exact commands sent (deterministic name, our tags,
// from a replica, at the group level in cluster mode), a duplicate or retried event as a no-op, and every
// failure path — a group modifying or snapshotting, missing, over quota, throttled — failing that group
// only, with one alert naming what to do.

import {
  CreateSnapshotCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  InvalidReplicationGroupStateFault,
  ReplicationGroupNotFoundFault,
  SnapshotAlreadyExistsFault,
  SnapshotQuotaExceededFault,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { snapshotSource } from '../../../functions/redis/take-cache-snapshot/plan.js';
import { takeCacheSnapshots as takeParsed } from '../../../functions/redis/take-cache-snapshot/take-cache-snapshot.js';
import { InvalidInput, RunFailed } from '../../../shared/errors.js';
import { scheduledCacheRunEvent } from '../../../shared/redis/events.js';
import { parseInput } from '../../../shared/runtime/input.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const ACCOUNT = '123456789012';
const NOW = Date.parse('2026-11-25T06:00:05+09:00');
const SCHEDULED = '2026-11-24T21:00:00Z'; // 06:00 in Tokyo
const elasticache = new ElastiCacheClient({ region: PRIMARY });
const mock = mockClient(elasticache);
const twoCaches = teamPolicy((d) => {
  d.resources.caches.push({ ...d.resources.caches[0], name: 'sessions', replicationGroupId: 'sessions-prod' });
});

const takeCacheSnapshots = async (d: Parameters<typeof takeParsed>[0], event: unknown) => takeParsed(d, parseInput(scheduledCacheRunEvent, event));

function deps(policy = teamPolicy(), attempts?: number) {
  const alerts = new RecordingAlerts();
  return { alerts, deps: { policy, elasticache, alerts, log: new RecordingLog(), now: () => NOW, ...(attempts === undefined ? {} : { attempts }) } };
}

const arn = (id: string) => `arn:aws:elasticache:${PRIMARY}:${ACCOUNT}:replicationgroup:${id}`;
function group(id: string, over: Partial<ReplicationGroup> = {}): ReplicationGroup {
  return {
    ReplicationGroupId: id,
    ARN: arn(id),
    Status: 'available',
    ClusterEnabled: false,
    NodeGroups: [
      {
        NodeGroupId: '0001',
        NodeGroupMembers: [
          { CacheClusterId: `${id}-001`, CurrentRole: 'primary' },
          { CacheClusterId: `${id}-003`, CurrentRole: 'replica' },
          { CacheClusterId: `${id}-002`, CurrentRole: 'replica' },
        ],
      },
    ],
    ...over,
  };
}
const fault = <T>(Fault: new (o: { message: string; $metadata: object }) => T, message = 'fault') => new Fault({ message, $metadata: {} });

const TAGS = [
  { Key: 'backup-dr:owner', Value: 'backup-dr' },
  { Key: 'backup-dr:policy', Value: 'production' },
  { Key: 'backup-dr:resource', Value: 'app-redis' },
  { Key: 'backup-dr:source-arn', Value: arn('app-redis-prod') },
  { Key: 'backup-dr:created-at', Value: new Date(NOW).toISOString() },
  { Key: 'backup-dr:scheduled-at', Value: '2026-11-24T21:00:00.000Z' },
  { Key: 'backup-dr:tier', Value: 'primary' },
];

describe('take-cache-snapshot', () => {
  beforeEach(() => {
    mock.reset();
    mock.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: 'app-redis-prod' }).resolves({ ReplicationGroups: [group('app-redis-prod')] });
    mock.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: 'sessions-prod' }).resolves({ ReplicationGroups: [group('sessions-prod')] });
  });

  it('snapshots from the first replica by id, named from the Tokyo schedule time and tagged as ours', async () => {
    mock.on(CreateSnapshotCommand).resolves({});
    const { deps: d, alerts } = deps();
    const outcomes = await takeCacheSnapshots(d, { scheduledTime: SCHEDULED });
    expect(outcomes).toEqual([{ resource: 'app-redis', snapshotName: 'backup-dr-app-redis-20261125-0600', status: 'created', source: 'from replica app-redis-prod-002, not the primary' }]);
    expect(mock).toHaveReceivedCommandTimes(CreateSnapshotCommand, 1);
    expect(mock.commandCalls(CreateSnapshotCommand)[0]!.args[0].input).toEqual({ SnapshotName: 'backup-dr-app-redis-20261125-0600', CacheClusterId: 'app-redis-prod-002', Tags: TAGS });
    expect(alerts.published).toEqual([]);
  });

  it('snapshots a cluster-mode group at the group level', async () => {
    mock.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: 'app-redis-prod' }).resolves({ ReplicationGroups: [group('app-redis-prod', { ClusterEnabled: true })] });
    mock.on(CreateSnapshotCommand).resolves({});
    await takeCacheSnapshots(deps().deps, { scheduledTime: SCHEDULED });
    expect(mock.commandCalls(CreateSnapshotCommand)[0]!.args[0].input).toMatchObject({ SnapshotName: 'backup-dr-app-redis-20261125-0600', ReplicationGroupId: 'app-redis-prod' });
    expect(mock.commandCalls(CreateSnapshotCommand)[0]!.args[0].input).not.toHaveProperty('CacheClusterId');
  });

  it('is a no-op for a duplicate or retried event: the snapshot of that time already exists', async () => {
    mock.on(CreateSnapshotCommand).rejects(fault(SnapshotAlreadyExistsFault, 'Snapshot backup-dr-app-redis-20261125-0600 already exists'));
    const { deps: d, alerts } = deps();
    expect(await takeCacheSnapshots(d, { scheduledTime: SCHEDULED })).toEqual([{ resource: 'app-redis', snapshotName: 'backup-dr-app-redis-20261125-0600', status: 'already-exists' }]);
    expect(alerts.published).toEqual([]);
  });

  it('names a manual run after the minute it runs in', async () => {
    mock.on(CreateSnapshotCommand).resolves({});
    const [outcome] = await takeCacheSnapshots(deps().deps, {});
    expect(outcome!.snapshotName).toBe('backup-dr-app-redis-20261125-0600');
  });

  it('fails only the group that is modifying or snapshotting already, alerting once; the others are taken', async () => {
    mock.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: 'app-redis-prod' }).resolves({ ReplicationGroups: [group('app-redis-prod', { Status: 'snapshotting' })] });
    mock.on(CreateSnapshotCommand).resolves({});
    const { deps: d, alerts } = deps(twoCaches);
    const error = await takeCacheSnapshots(d, { scheduledTime: SCHEDULED }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailed);
    expect((error as RunFailed).message).toBe('1 of 2 cache snapshots failed: app-redis (CacheNotReady)');
    expect(mock).toHaveReceivedCommandTimes(CreateSnapshotCommand, 1);
    expect(mock).toHaveReceivedCommandWith(CreateSnapshotCommand, { SnapshotName: 'backup-dr-sessions-20261125-0600', CacheClusterId: 'sessions-prod-002' });
    expect(alerts.published).toEqual([
      {
        severity: 'critical',
        kind: 'backup-failed',
        resource: 'app-redis',
        region: PRIMARY,
        summary: 'cache snapshot failed: CacheNotReady (backup-dr-app-redis-20261125-0600)',
        action: expect.stringContaining('Replication group app-redis-prod (or its replica) is not available') as string,
        source: 'take-cache-snapshot',
        at: NOW,
        details: { replicationGroup: 'app-redis-prod', snapshotName: 'backup-dr-app-redis-20261125-0600', error: 'CacheNotReady', message: 'replication group app-redis-prod is snapshotting, not available' },
      },
    ]);
    // Not ready is not retried at once: one look, no snapshot request for that group.
    expect(mock.commandCalls(DescribeReplicationGroupsCommand, { ReplicationGroupId: 'app-redis-prod' })).toHaveLength(1);
  });

  it.each([
    ['InvalidReplicationGroupState', () => fault(InvalidReplicationGroupStateFault, 'Cache cluster app-redis-prod is not in the available state'), 'CacheNotReady', 'is not available'],
    ['ReplicationGroupNotFound', () => fault(ReplicationGroupNotFoundFault, 'ReplicationGroup app-redis-prod not found'), 'CacheNotFound', 'does not exist in this region'],
    ['SnapshotQuotaExceeded', () => fault(SnapshotQuotaExceededFault, 'Exceeded the maximum number of snapshots'), 'CacheSnapshotQuotaExceeded', '20 snapshots of a node in 24 hours'],
  ])('translates %s into %s, alerts once with what to do, and does not retry it', async (_name, make, expectedError, action) => {
    mock.on(CreateSnapshotCommand).rejects(make());
    const { deps: d, alerts } = deps();
    await expect(takeCacheSnapshots(d, { scheduledTime: SCHEDULED })).rejects.toBeInstanceOf(RunFailed);
    expect(mock).toHaveReceivedCommandTimes(CreateSnapshotCommand, 1);
    expect(alerts.published).toHaveLength(1);
    expect(alerts.published[0]).toMatchObject({ summary: `cache snapshot failed: ${expectedError} (backup-dr-app-redis-20261125-0600)`, action: expect.stringContaining(action) as string });
  });

  it('retries a throttled request and succeeds on the next attempt', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    mock.on(CreateSnapshotCommand).rejectsOnce(throttled).resolves({});
    const { deps: d, alerts } = deps(teamPolicy(), 3);
    expect((await takeCacheSnapshots(d, { scheduledTime: SCHEDULED }))[0]!.status).toBe('created');
    expect(mock).toHaveReceivedCommandTimes(CreateSnapshotCommand, 2);
    expect(alerts.published).toEqual([]);
  });

  it('refuses an unknown cache name, naming the field, and sends nothing', async () => {
    const error = await takeCacheSnapshots(deps().deps, { resources: ['app-redis', 'nope'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as Error).message).toContain('resources');
    expect((error as Error).message).toContain('no cache named "nope" in the policy');
    expect(mock.calls()).toHaveLength(0);
  });

  it('refuses a malformed event at the edge, naming the field', async () => {
    await expect(takeCacheSnapshots(deps().deps, { scheduledTime: 'yesterday' })).rejects.toThrow(/scheduledTime/);
    expect(mock.calls()).toHaveLength(0);
  });
});

describe('snapshotSource', () => {
  it('takes the group when it has no replica', () => {
    const lone = group('g', { NodeGroups: [{ NodeGroupMembers: [{ CacheClusterId: 'g-001', CurrentRole: 'primary' }] }] });
    expect(snapshotSource(lone)).toEqual({ kind: 'group', replicationGroupId: 'g', reason: 'no replica: from the primary' });
  });

  it.each(['creating', 'modifying', 'deleting', 'snapshotting', 'create-failed'])('is not ready while the group is %s', (status) => {
    expect(snapshotSource(group('g', { Status: status }))).toEqual({ kind: 'not-ready', reason: `replication group g is ${status}, not available` });
  });
});
