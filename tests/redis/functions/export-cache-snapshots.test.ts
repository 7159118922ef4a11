// export-cache-snapshots against aws-sdk-client-mock: the exact CopySnapshot sent for a new snapshot of
// ours, the tags that record request and arrival, no second request for a snapshot in progress or
// exported, one alert for an export refused or never arrived, and nothing for snapshots that are not ours.

import {
  AddTagsToResourceCommand,
  CopySnapshotCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  RemoveTagsFromResourceCommand,
  InvalidParameterValueException,
  InvalidSnapshotStateFault,
  ListTagsForResourceCommand,
  type Snapshot,
} from '@aws-sdk/client-elasticache';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { exportCacheSnapshots, type CacheBackupFigure } from '../../../functions/redis/export-cache-snapshots/export-cache-snapshots.js';
import { EXPORT_DEADLINE_MS, exportAction } from '../../../functions/redis/export-cache-snapshots/plan.js';
import { RunFailed } from '../../../shared/errors.js';
import { exportPartKey } from '../../../shared/redis/exports.js';
import { cacheOf } from '../../../shared/redis/snapshots.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const REGION = 'ap-northeast-1';
const BUCKET = 'backup-dr-exports-test-123456789012-ap-northeast-1';
const NOW = Date.parse('2026-11-25T07:00:00+09:00');
const NAME = 'backup-dr-app-redis-20261125-0600';
const elasticache = new ElastiCacheClient({ region: REGION });
const s3 = new S3Client({ region: REGION });
const ec = mockClient(elasticache);
const s3Mock = mockClient(s3);

const arn = (name: string) => `arn:aws:elasticache:${REGION}:123456789012:snapshot:${name}`;
const snapshot = (name: string, over: Partial<Snapshot> = {}): Snapshot => ({ SnapshotName: name, ARN: arn(name), ReplicationGroupId: 'app-redis-prod', SnapshotStatus: 'available', SnapshotSource: 'manual', DataTiering: 'disabled', ...over });
const ours = { 'backup-dr:owner': 'backup-dr' };

function given(snapshots: Snapshot[], tags: Record<string, Record<string, string>>, objects: string[] = []) {
  ec.on(DescribeSnapshotsCommand).resolves({ Snapshots: snapshots });
  for (const s of snapshots) ec.on(ListTagsForResourceCommand, { ResourceName: s.ARN }).resolves({ TagList: Object.entries(tags[s.SnapshotName!] ?? {}).map(([Key, Value]) => ({ Key, Value })) });
  s3Mock.on(HeadObjectCommand).rejects(Object.assign(new Error('Not Found'), { name: 'NotFound' }));
  for (const key of objects) s3Mock.on(HeadObjectCommand, { Bucket: BUCKET, Key: key }).resolves({ ContentLength: 1 });
}

function run() {
  const alerts = new RecordingAlerts();
  const measured: CacheBackupFigure[] = [];
  const result = exportCacheSnapshots({ policy: teamPolicy(), region: REGION, elasticache, s3, bucket: BUCKET, alerts, log: new RecordingLog(), now: () => NOW, measured: (figure) => measured.push(figure) });
  return { result, alerts, measured };
}

describe('export-cache-snapshots', () => {
  beforeEach(() => {
    ec.reset();
    s3Mock.reset();
    ec.on(AddTagsToResourceCommand).resolves({});
    ec.on(RemoveTagsFromResourceCommand).resolves({});
    ec.on(CopySnapshotCommand).resolves({});
    s3Mock.on(PutObjectCommand).resolves({});
  });

  it('exports a new snapshot of ours to the bucket under its own name, and records the request', async () => {
    given([snapshot(NAME)], { [NAME]: ours });
    expect(await run().result).toEqual({ requested: [NAME], arrived: [], waiting: [], inFlight: [], failed: [] });
    expect(ec.commandCalls(CopySnapshotCommand).map((c) => c.args[0].input)).toEqual([{ SourceSnapshotName: NAME, TargetSnapshotName: NAME, TargetBucket: BUCKET }]);
    expect(ec.commandCalls(AddTagsToResourceCommand).map((c) => c.args[0].input)).toEqual([{ ResourceName: arn(NAME), Tags: [{ Key: 'backup-dr:export-requested-at', Value: new Date(NOW).toISOString() }] }]);
    expect(ec.commandCalls(DescribeSnapshotsCommand)[0]!.args[0].input).toEqual({ SnapshotSource: 'user' });
  });

  it('records an export once every node group has arrived, with the marker that says it is whole, and does not ask again', async () => {
    given([snapshot(NAME, { NumNodeGroups: 2 })], { [NAME]: { ...ours, 'backup-dr:export-requested-at': new Date(NOW - 600_000).toISOString() } }, [exportPartKey(NAME, 1), exportPartKey(NAME, 2)]);
    expect(await run().result).toEqual({ requested: [], arrived: [NAME], waiting: [], inFlight: [], failed: [] });
    expect(ec).not.toHaveReceivedCommand(CopySnapshotCommand);
    expect(s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: BUCKET, Key: `${NAME}.parts-0002`, Body: '' }]);
    expect(ec).toHaveReceivedCommandWith(AddTagsToResourceCommand, { ResourceName: arn(NAME), Tags: [{ Key: 'backup-dr:exported-at', Value: new Date(NOW).toISOString() }] });
  });

  it('waits while one node group of a sharded export is still missing', async () => {
    given([snapshot(NAME, { NumNodeGroups: 2 })], { [NAME]: { ...ours, 'backup-dr:export-requested-at': new Date(NOW - 600_000).toISOString() } }, [exportPartKey(NAME, 1)]);
    expect(await run().result).toEqual({ requested: [], arrived: [], waiting: [NAME], inFlight: [NAME], failed: [] });
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('alerts for a snapshot still not available long after its run, and removes the request mark with a failure so a retry starts afresh', async () => {
    const stuck = 'backup-dr-app-redis-20261124-0600';
    given([snapshot(stuck, { SnapshotStatus: 'creating' })], { [stuck]: ours });
    const { result, alerts } = run();
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(alerts.published[0]!.summary).toBe(`export of ${stuck} failed: snapshot ${stuck} is still creating 25 h after its run`);
    expect(ec.commandCalls(RemoveTagsFromResourceCommand).map((c) => c.args[0].input)).toEqual([{ ResourceName: arn(stuck), TagKeys: ['backup-dr:export-requested-at'] }]);
  });

  it('waits for a requested export, a snapshot still being created, and one ElastiCache says is busy', async () => {
    const creating = 'backup-dr-app-redis-20261125-1200';
    const busy = 'backup-dr-app-redis-20261124-1800';
    given([snapshot(NAME), snapshot(creating, { SnapshotStatus: 'creating' }), snapshot(busy)], {
      [NAME]: { ...ours, 'backup-dr:export-requested-at': new Date(NOW - 600_000).toISOString() },
      [creating]: ours,
      [busy]: ours,
    });
    ec.on(CopySnapshotCommand).rejects(new InvalidSnapshotStateFault({ message: 'snapshot is being copied', $metadata: {} }));
    expect(await run().result).toEqual({ requested: [], arrived: [], waiting: [NAME, creating, busy], inFlight: [NAME], failed: [] });
    expect(ec.commandCalls(CopySnapshotCommand).map((c) => c.args[0].input.SourceSnapshotName)).toEqual([busy]);
  });

  it('alerts once for an export ElastiCache refuses (bucket grants), tagging the snapshot so later runs do not repeat it', async () => {
    given([snapshot(NAME)], { [NAME]: ours });
    ec.on(CopySnapshotCommand).rejects(new InvalidParameterValueException({ message: `ElastiCache has not been granted READ/WRITE/READ_ACP permissions on the S3 Bucket ${BUCKET}`, $metadata: {} }));
    const { result, alerts } = run();
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(alerts.published).toHaveLength(1);
    expect(alerts.published[0]).toMatchObject({ severity: 'critical', kind: 'export-failed', resource: 'app-redis', region: REGION, summary: expect.stringContaining('ElastiCache refused the export') as string });
    expect(ec).toHaveReceivedCommandWith(AddTagsToResourceCommand, { Tags: [{ Key: 'backup-dr:export-failed', Value: new Date(NOW).toISOString() }] });
    given([snapshot(NAME)], { [NAME]: { ...ours, 'backup-dr:export-failed': new Date(NOW).toISOString() } });
    ec.resetHistory();
    const again = run();
    expect(await again.result).toEqual({ requested: [], arrived: [], waiting: [], inFlight: [], failed: [] });
    expect(again.alerts.published).toEqual([]);
    expect(ec).not.toHaveReceivedCommand(CopySnapshotCommand);
  });

  it('alerts for an export that never arrived, and for a data-tiering snapshot, which cannot be exported', async () => {
    const tiered = 'backup-dr-app-redis-20261125-1200';
    given([snapshot(NAME), snapshot(tiered, { DataTiering: 'enabled' })], {
      [NAME]: { ...ours, 'backup-dr:export-requested-at': new Date(NOW - EXPORT_DEADLINE_MS - 60_000).toISOString() },
      [tiered]: ours,
    });
    const { result, alerts } = run();
    await expect(result).rejects.toThrow('2 cache snapshot exports failed');
    expect(alerts.published.map((a) => a.summary)).toEqual([
      `export of ${NAME} failed: export of ${NAME} requested at ${new Date(NOW - EXPORT_DEADLINE_MS - 60_000).toISOString()} has not arrived after 6 h`,
      `export of ${tiered} failed: snapshot ${tiered} is of a data-tiering cluster, which ElastiCache cannot export to S3`,
    ]);
    expect(ec).not.toHaveReceivedCommand(CopySnapshotCommand);
  });

  it('measures a snapshot from its request: the time so far while it is created, the time until the run that finds it available, and the size of the export that arrives', async () => {
    const creating = 'backup-dr-app-redis-20261125-1200';
    const arrived = 'backup-dr-app-redis-20261124-1800';
    const requestedAt = (msAgo: number) => ({ 'backup-dr:created-at': new Date(NOW - msAgo).toISOString() });
    given([snapshot(NAME), snapshot(creating, { SnapshotStatus: 'creating' }), snapshot(arrived, { NumNodeGroups: 2 })], {
      [NAME]: { ...ours, ...requestedAt(40 * 60_000) },
      [creating]: { ...ours, ...requestedAt(3 * 3_600_000) },
      [arrived]: { ...ours, ...requestedAt(13 * 3_600_000), 'backup-dr:export-requested-at': new Date(NOW - 12 * 3_600_000).toISOString() },
    });
    s3Mock.on(HeadObjectCommand, { Bucket: BUCKET, Key: exportPartKey(arrived, 1) }).resolves({ ContentLength: 4_000_000 });
    s3Mock.on(HeadObjectCommand, { Bucket: BUCKET, Key: exportPartKey(arrived, 2) }).resolves({ ContentLength: 3_000_000 });
    const { result, measured } = run();
    expect(await result).toEqual({ requested: [NAME], arrived: [arrived], waiting: [creating], inFlight: [], failed: [] });
    expect(measured).toEqual([
      { resource: 'app-redis', snapshot: NAME, durationMs: 40 * 60_000 },
      { resource: 'app-redis', snapshot: creating, durationMs: 3 * 3_600_000 },
      { resource: 'app-redis', snapshot: arrived, sizeBytes: 7_000_000 },
    ]);
  });

  it('measures no duration for a snapshot exported again long after it was taken (a retry after a failure), nor for one without a request time', async () => {
    const untagged = 'backup-dr-app-redis-20261125-1200';
    given([snapshot(NAME), snapshot(untagged)], { [NAME]: { ...ours, 'backup-dr:created-at': new Date(NOW - EXPORT_DEADLINE_MS).toISOString() }, [untagged]: ours });
    const { result, measured } = run();
    expect((await result).requested).toEqual([NAME, untagged]);
    expect(measured).toEqual([]);
  });

  it('names the cache of each failed export in the RunFailed (its export-failed alarm is per cache)', async () => {
    given([snapshot(NAME, { DataTiering: 'enabled' })], { [NAME]: ours });
    const error: unknown = await run().result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailed);
    expect((error as RunFailed).failures).toEqual([{ resource: 'app-redis', error: 'ExportFailed' }]);
  });

  it('leaves alone snapshots not named like ours, of groups outside the policy, and named like ours without our owner tag', async () => {
    given(
      [snapshot('nightly-by-hand'), snapshot('backup-dr-app-redis-20261125-0600', { ReplicationGroupId: 'other-group' }), snapshot('backup-dr-app-redis-20261125-1200')],
      { 'nightly-by-hand': ours, 'backup-dr-app-redis-20261125-1200': { 'backup-dr:owner': 'someone-else' } },
    );
    expect(await run().result).toEqual({ requested: [], arrived: [], waiting: [], inFlight: [], failed: [] });
    expect(ec).not.toHaveReceivedCommand(CopySnapshotCommand);
    expect(ec).not.toHaveReceivedCommand(AddTagsToResourceCommand);
  });

  it('follows DescribeSnapshots pages', async () => {
    const second = 'backup-dr-app-redis-20261125-1200';
    given([], {});
    ec.on(DescribeSnapshotsCommand).resolvesOnce({ Snapshots: [snapshot(NAME)], Marker: 'page-2' }).resolves({ Snapshots: [snapshot(second)] });
    for (const name of [NAME, second]) ec.on(ListTagsForResourceCommand, { ResourceName: arn(name) }).resolves({ TagList: [{ Key: 'backup-dr:owner', Value: 'backup-dr' }] });
    expect((await run().result).requested).toEqual([NAME, second]);
    expect(ec.commandCalls(DescribeSnapshotsCommand).map((c) => c.args[0].input)).toEqual([{ SnapshotSource: 'user' }, { SnapshotSource: 'user', Marker: 'page-2' }]);
  });
});

describe('exportAction', () => {
  const base = { snapshot: snapshot(NAME), tags: {}, objectExists: false, takenAt: Date.parse('2026-11-25T06:00:00+09:00'), now: NOW };
  it('records an export whose object is there even without a request tag (a run that died after CopySnapshot)', () => {
    expect(exportAction({ ...base, objectExists: true })).toEqual({ action: 'record-exported' });
  });
  it('waits just before the deadline and fails at it', () => {
    const requested = (age: number) => ({ ...base, tags: { 'backup-dr:export-requested-at': new Date(NOW - age).toISOString() } });
    expect(exportAction(requested(EXPORT_DEADLINE_MS - 1)).action).toBe('wait');
    expect(exportAction(requested(EXPORT_DEADLINE_MS)).action).toBe('fail');
  });
});

describe('a snapshot taken from a replica node', () => {
  beforeEach(() => {
    ec.reset();
    s3Mock.reset();
    ec.on(AddTagsToResourceCommand).resolves({});
    ec.on(CopySnapshotCommand).resolves({});
  });

  it('is the cache group\'s by its node ("<group>-002") when it names no group, and is exported', async () => {
    given([snapshot(NAME, { ReplicationGroupId: undefined, CacheClusterId: 'app-redis-prod-002' })], { [NAME]: ours });
    expect((await run().result).requested).toEqual([NAME]);
  });
});

describe('cacheOf', () => {
  const caches = teamPolicy((d) => {
    d.resources.caches.unshift({ ...d.resources.caches[0], name: 'app', replicationGroupId: 'app-redis-prod' });
  }).resources.caches;

  it('gives a backup to the cache its whole name is of: "app" never claims "app-redis"\'s', () => {
    expect(cacheOf(snapshot('backup-dr-app-redis-20261125-0600'), caches, 'Asia/Tokyo')?.name).toBe('app-redis');
    expect(cacheOf(snapshot('backup-dr-app-20261125-0600'), caches, 'Asia/Tokyo')?.name).toBe('app');
    expect(cacheOf(snapshot('backup-dr-app-redis-by-hand'), caches, 'Asia/Tokyo')).toBeUndefined();
    expect(cacheOf(snapshot('backup-dr-app-20261125-0600', { ReplicationGroupId: 'other' }), caches, 'Asia/Tokyo')).toBeUndefined();
  });
});
