// Cache retention: the plan (7 days in the team's policy, restic's rules, the DR guards) and
// prune-cache-backups carrying it out against aws-sdk-client-mock — the exact deletions (the snapshot and
// its export objects in the primary, the replicas in the secondary), nothing in a dry run, nothing at all
// when the other region cannot be read, a snapshot already gone no error.

import { DeleteSnapshotCommand, DescribeSnapshotsCommand, ElastiCacheClient, ListTagsForResourceCommand, SnapshotNotFoundFault, type Snapshot } from '@aws-sdk/client-elasticache';
import { DeleteObjectCommand, GetObjectTaggingCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { pruneCacheBackups } from '../../../functions/redis/prune-cache-backups/prune-cache-backups.js';
import { RunFailed } from '../../../shared/errors.js';
import { backupTime, EXPORT_NOT_VERIFIED_GUARD, HELD_ELSEWHERE_GUARD, NEWEST_VERIFIED_GUARD, planCachePrune, UNKNOWN_TIME_GUARD, type CacheBackup } from '../../../shared/redis/retention.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const NOW = Date.parse('2026-11-25T09:00:00+09:00');
const policy = teamPolicy();
const cache = policy.resources.caches[0]!;
/** The backup of `daysAgo` days before NOW at 06:00 Tokyo. */
const nameOf = (daysAgo: number, hour = '0600') => {
  const day = new Date(NOW + 9 * 3_600_000 - daysAgo * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  return `backup-dr-app-redis-${day}-${hour}`;
};
const backup = (daysAgo: number, over: Partial<CacheBackup> = {}): CacheBackup => ({
  name: nameOf(daysAgo),
  snapshotStatus: 'available',
  keys: [`${nameOf(daysAgo)}-0001.rdb`],
  tags: ['backup-dr:owner=backup-dr'],
  verifiedInSecondary: true,
  replicaPresent: true,
  ...over,
});

describe('backupTime', () => {
  it('reads the time in the name on the policy clock', () => {
    expect(backupTime('backup-dr-app-redis-20261125-0600', 'app-redis', 'Asia/Tokyo')).toBe(Date.parse('2026-11-25T06:00:00+09:00'));
  });
  it.each(['backup-dr-app-redis-20261325-0600', 'backup-dr-app-redis-20261125-2460', 'backup-dr-sessions-20261125-0600', 'backup-dr-app-redis-20261125'])('is null for %s', (name) => {
    expect(backupTime(name, 'app-redis', 'Asia/Tokyo')).toBeNull();
  });
});

describe('planCachePrune (within 7 days)', () => {
  const plan = (role: 'primary' | 'secondary', backups: CacheBackup[], heldElsewhere = new Set<string>()) => planCachePrune({ policy, role, cache, backups, heldElsewhere, now: NOW });
  const removed = (p: ReturnType<typeof plan>) => p.remove.map((r) => r.snapshot.id);
  const guardsOf = (p: ReturnType<typeof plan>, name: string) => p.keep.find((k) => k.snapshot.id === name)?.guards;

  it('removes what is older than 7 days and keeps the rest', () => {
    const p = plan('primary', [backup(1), backup(6), backup(8), backup(10)]);
    expect(removed(p)).toEqual([nameOf(8), nameOf(10)]);
  });

  it('primary: keeps an expired backup whose export is not verified in the secondary yet', () => {
    const p = plan('primary', [backup(1), backup(8, { verifiedInSecondary: false })]);
    expect(removed(p)).toEqual([]);
    expect(guardsOf(p, nameOf(8))).toEqual([EXPORT_NOT_VERIFIED_GUARD]);
  });

  it('primary: releases a backup whose copy the secondary already pruned once a newer one is verified there, and only then', () => {
    const gone = { verifiedInSecondary: false, replicaPresent: false };
    expect(removed(plan('primary', [backup(1), backup(8, gone), backup(9, gone)]))).toEqual([nameOf(8), nameOf(9)]);
    const p = plan('primary', [backup(1, { verifiedInSecondary: false }), backup(8, gone)]);
    expect(removed(p)).toEqual([]);
    expect(guardsOf(p, nameOf(8))).toEqual([EXPORT_NOT_VERIFIED_GUARD]);
  });

  it('secondary: keeps the newest verified export even when the rules would not', () => {
    const p = plan('secondary', [backup(1, { verifiedInSecondary: false, snapshotStatus: undefined }), backup(9, { snapshotStatus: undefined }), backup(10, { snapshotStatus: undefined })]);
    expect(removed(p)).toEqual([nameOf(10)]);
    expect(guardsOf(p, nameOf(9))).toEqual([NEWEST_VERIFIED_GUARD]);
  });

  it('keeps a backup under legal hold here or in the other region, a snapshot not available, and a time it cannot read', () => {
    const odd = { ...backup(12), name: 'backup-dr-app-redis-20261325-0600' };
    const p = plan('primary', [backup(1), backup(8, { tags: ['Legal-Hold=case-17'] }), backup(9), backup(10, { snapshotStatus: 'deleting' }), odd], new Set([nameOf(9)]));
    expect(removed(p)).toEqual([]);
    expect(guardsOf(p, nameOf(8))).toEqual(['legal hold']);
    expect(guardsOf(p, nameOf(9))).toEqual([HELD_ELSEWHERE_GUARD]);
    expect(guardsOf(p, nameOf(10))).toEqual(['snapshot not available (deleting)']);
    expect(guardsOf(p, odd.name)).toEqual([UNKNOWN_TIME_GUARD]);
  });

  it('measures "within 7 days" from the newest backup, as restic does: a cache whose snapshots stopped keeps its last week of them', () => {
    expect(removed(plan('primary', [backup(20), backup(25), backup(28)]))).toEqual([nameOf(28)]);
  });
});

describe('prune-cache-backups', () => {
  const elasticache = new ElastiCacheClient({ region: PRIMARY });
  const ec = mockClient(elasticache);
  const primaryS3 = new S3Client({ region: PRIMARY });
  const secondaryS3 = new S3Client({ region: SECONDARY });
  const p3 = mockClient(primaryS3);
  const s3s = mockClient(secondaryS3);
  const own = { s3: primaryS3, bucket: 'exports-primary', region: PRIMARY };
  const other = { s3: secondaryS3, bucket: 'exports-secondary', region: SECONDARY };
  const snapshot = (name: string): Snapshot => ({ SnapshotName: name, ARN: `arn:aws:elasticache:${PRIMARY}:123456789012:snapshot:${name}`, ReplicationGroupId: 'app-redis-prod', SnapshotStatus: 'available' });
  const verifiedTag = { Key: `backup-dr:verified-at:${SECONDARY}`, Value: '2026-11-20T00:00:00.000Z' };

  function given(days: number[], options: { secondaryFails?: boolean } = {}) {
    const names = days.map((d) => nameOf(d));
    ec.on(DescribeSnapshotsCommand).resolves({ Snapshots: [...names.map(snapshot), snapshot('backup-dr-app-redis-by-someone')] });
    ec.on(ListTagsForResourceCommand).resolves({ TagList: [{ Key: 'backup-dr:owner', Value: 'backup-dr' }] });
    ec.on(ListTagsForResourceCommand, { ResourceName: snapshot('backup-dr-app-redis-by-someone').ARN }).resolves({ TagList: [] });
    const listing = (parts: (n: string) => string[]) => ({ Contents: names.flatMap((n) => [...parts(n), `${n}.parts-0001`]).map((Key) => ({ Key })) });
    p3.on(ListObjectsV2Command).resolves(listing((n) => [`${n}-0001.rdb`]));
    p3.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    if (options.secondaryFails === true) s3s.on(ListObjectsV2Command).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    else s3s.on(ListObjectsV2Command).resolves(listing((n) => [`${n}-0001.rdb`]));
    s3s.on(GetObjectTaggingCommand).resolves({ TagSet: [verifiedTag] });
    ec.on(DeleteSnapshotCommand).resolves({});
    p3.on(DeleteObjectCommand).resolves({});
  }

  function run(role: 'primary' | 'secondary' = 'primary', dryRun = false) {
    const alerts = new RecordingAlerts();
    const p = dryRun ? teamPolicy((d) => void (d.dryRun = true)) : policy;
    const [mine, theirs] = role === 'primary' ? [own, other] : [other, own];
    return { result: pruneCacheBackups({ policy: p, role, elasticache, own: mine, other: theirs, alerts, log: new RecordingLog(), now: () => NOW }), alerts };
  }

  beforeEach(() => {
    ec.reset();
    p3.reset();
    s3s.reset();
  });

  it('primary: deletes the expired snapshot and its export object, exactly those', async () => {
    given([1, 3, 8]);
    const [decision] = await run().result;
    expect(decision).toMatchObject({ resource: 'app-redis', deleted: [nameOf(8)], wouldDelete: [] });
    expect(ec.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input)).toEqual([{ SnapshotName: nameOf(8) }]);
    expect(p3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'exports-primary', Key: `${nameOf(8)}-0001.rdb` },
      { Bucket: 'exports-primary', Key: `${nameOf(8)}.parts-0001` },
    ]);
  });

  it('primary: keeps a sharded backup whose secondary copy lacks a node group, though the parts there are verified', async () => {
    given([1, 8]);
    const two = (n: string) => [`${n}-0001.rdb`, `${n}-0002.rdb`];
    p3.on(ListObjectsV2Command).resolves({ Contents: [nameOf(1), nameOf(8)].flatMap((n) => [...two(n), `${n}.parts-0002`]).map((Key) => ({ Key })) });
    // The marker and the first shard reached the secondary; the second did not.
    s3s.on(ListObjectsV2Command).resolves({ Contents: [nameOf(1), nameOf(8)].flatMap((n) => [`${n}-0001.rdb`, `${n}.parts-0002`]).map((Key) => ({ Key })) });
    const [decision] = await run().result;
    expect(decision!.deleted).toEqual([]);
    expect(decision!.kept.find((k) => k.id === nameOf(8))!.guards).toEqual([EXPORT_NOT_VERIFIED_GUARD]);
    expect(ec).not.toHaveReceivedCommand(DeleteSnapshotCommand);
  });

  it('dry run: reports what it would delete and sends no delete', async () => {
    given([1, 8]);
    const [decision] = await run('primary', true).result;
    expect(decision).toMatchObject({ deleted: [], wouldDelete: [nameOf(8)] });
    expect(ec).not.toHaveReceivedCommand(DeleteSnapshotCommand);
    expect(p3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('deletes nothing when the other region cannot be read', async () => {
    given([1, 8], { secondaryFails: true });
    await expect(run().result).rejects.toThrow('Access Denied');
    expect(ec).not.toHaveReceivedCommand(DeleteSnapshotCommand);
    expect(p3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('takes a snapshot already gone (a retried run) as deleted, and still deletes its export object', async () => {
    given([1, 8]);
    ec.on(DeleteSnapshotCommand).rejects(new SnapshotNotFoundFault({ message: 'gone', $metadata: {} }));
    expect((await run().result)[0]!.deleted).toEqual([nameOf(8)]);
    expect(p3).toHaveReceivedCommandTimes(DeleteObjectCommand, 2);
  });

  it('secondary: deletes only its own replicas, never a snapshot', async () => {
    given([1, 8]);
    s3s.on(DeleteObjectCommand).resolves({});
    expect((await run('secondary').result)[0]!.deleted).toEqual([nameOf(8)]);
    expect(s3s.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'exports-secondary', Key: `${nameOf(8)}-0001.rdb` },
      { Bucket: 'exports-secondary', Key: `${nameOf(8)}.parts-0001` },
    ]);
    expect(ec).not.toHaveReceivedCommand(DeleteSnapshotCommand);
    expect(p3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('alerts prune-failed and deletes the export object no more when ElastiCache refuses a deletion', async () => {
    given([1, 8]);
    ec.on(DeleteSnapshotCommand).rejects(Object.assign(new Error('snapshot is being exported'), { name: 'InvalidSnapshotStateFault' }));
    const { result, alerts } = run();
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(alerts.published.map((a) => [a.kind, a.resource, a.region, a.summary])).toEqual([['prune-failed', 'app-redis', PRIMARY, 'prune failed: InvalidSnapshotStateFault']]);
    expect(p3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });
});
