// Point-in-time restore of a prefix, one key at a time, against hand-made version histories: overwrites,
// deletes, delete markers, re-creates, versions only in the replica, archive classes, a copy restored
// earlier — each with the action written out. Then the listing: ListObjectVersions pages (versions and
// delete markers apart, KeyMarker/VersionIdMarker) gathered per key and walked beside the replica's.

import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { addToSummary, emptySummary, planKey, stateAt, type KeyAction, type KeyHistory, type VersionEntry } from '../../shared/media/point-in-time.js';
import { keyEntries, keyHistories, versionEntries } from '../../shared/media/version-listing.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const at = (minute: number) => T0 + minute * 60_000;
/** A version written at `minute` (newest-first lists are written newest first below). */
const v = (id: string, minute: number, over: Partial<VersionEntry> = {}): VersionEntry => ({ versionId: id, lastModified: at(minute), isLatest: false, deleteMarker: false, size: 100, storageClass: 'STANDARD', ...over });
const dm = (id: string, minute: number, over: Partial<VersionEntry> = {}): VersionEntry => ({ versionId: id, lastModified: at(minute), isLatest: false, deleteMarker: true, ...over });
const latest = (entry: VersionEntry): VersionEntry => ({ ...entry, isLatest: true });
const history = (source: VersionEntry[], replica: VersionEntry[] = source): KeyHistory => ({ key: 'media/a.jpg', source, replica });
const none = { restoredFrom: null };

describe('the state of a key at a time, and what makes it current again', () => {
  const cases: { name: string; history: KeyHistory; at: number; facts?: Parameters<typeof planKey>[2]; expect: Partial<KeyAction> & { action: KeyAction['action'] } }[] = [
    {
      name: 'overwritten after the time: the version current then is copied over',
      history: history([latest(v('v3', 30)), v('v2', 20), v('v1', 10)]),
      at: at(25),
      expect: { action: 'copy', versionId: 'v2', from: 'source', restoreFirst: null, multipart: false },
    },
    {
      name: 'unchanged since: nothing to do',
      history: history([latest(v('v2', 20)), v('v1', 10)]),
      at: at(25),
      expect: { action: 'keep', reason: 'version v2 is current' },
    },
    {
      name: 'created after the time: a delete marker makes it absent again',
      history: history([latest(v('v1', 30))]),
      at: at(25),
      expect: { action: 'delete', reason: 'did not exist yet at that time; version v1 is current now' },
    },
    {
      name: 'deleted after the time (a delete marker is current): the version before the marker is copied back',
      history: history([latest(dm('d1', 30)), v('v1', 10)]),
      at: at(25),
      expect: { action: 'copy', versionId: 'v1', from: 'source' },
    },
    {
      name: 'deleted at the time and still deleted: nothing to do',
      history: history([latest(dm('d1', 20)), v('v1', 10)]),
      at: at(25),
      expect: { action: 'keep', reason: 'absent then (deleted (delete marker d1)) and now' },
    },
    {
      name: 'deleted at the time, re-created since: deleted again',
      history: history([latest(v('v2', 30)), dm('d1', 20), v('v1', 10)]),
      at: at(25),
      expect: { action: 'delete', reason: 'deleted (delete marker d1) at that time; version v2 is current now' },
    },
    {
      name: 're-created before the time after a delete: the re-created version stands',
      history: history([latest(v('v3', 40)), v('v2', 22), dm('d1', 20), v('v1', 10)]),
      at: at(25),
      expect: { action: 'copy', versionId: 'v2' },
    },
    {
      name: 'the version is gone from the source (noncurrent expiration) but kept in the replica: copied from the replica',
      history: history([latest(v('v3', 30))], [latest(v('v3', 30)), v('v2', 20), v('v1', 10)]),
      at: at(25),
      expect: { action: 'copy', versionId: 'v2', from: 'replica' },
    },
    {
      name: 'the object exists only in the replica (deleted from the source without a trace): copied from the replica',
      history: history([], [latest(v('v1', 10))]),
      at: at(25),
      expect: { action: 'copy', versionId: 'v1', from: 'replica' },
    },
    {
      name: 'a version in Glacier Flexible Retrieval is restored first (Standard tier, up to 5 h)',
      history: history([latest(v('v2', 30)), v('v1', 10, { storageClass: 'GLACIER', size: 2048 })]),
      at: at(25),
      expect: { action: 'copy', versionId: 'v1', storageClass: 'GLACIER', restoreFirst: { tier: 'Standard', hours: 5 }, size: 2048 },
    },
    {
      name: 'a Deep Archive version already restored is copied without waiting',
      history: history([latest(v('v2', 30)), v('v1', 10, { storageClass: 'DEEP_ARCHIVE' })]),
      at: at(25),
      facts: { restoredFrom: null, restored: new Set(['v1']) },
      expect: { action: 'copy', versionId: 'v1', storageClass: 'DEEP_ARCHIVE', restoreFirst: null },
    },
    {
      name: 'Glacier Instant Retrieval needs no restore',
      history: history([latest(v('v2', 30)), v('v1', 10, { storageClass: 'GLACIER_IR' })]),
      at: at(25),
      expect: { action: 'copy', versionId: 'v1', restoreFirst: null },
    },
    {
      name: 'over 5 GiB: a multipart copy',
      history: history([latest(v('v2', 30)), v('v1', 10, { size: 6 * 1024 ** 3 })]),
      at: at(25),
      expect: { action: 'copy', versionId: 'v1', multipart: true },
    },
    {
      name: 'a second run: the current version is our copy of the wanted one, so nothing changes',
      history: history([latest(v('c1', 50)), v('v3', 30), v('v2', 20), v('v1', 10)]),
      at: at(25),
      facts: { restoredFrom: 'v2' },
      expect: { action: 'keep', reason: 'a copy of version v2 is current (restored earlier)' },
    },
    {
      name: 'a copy of another version is current: the wanted one is copied again',
      history: history([latest(v('c1', 50)), v('v3', 30), v('v2', 20), v('v1', 10)]),
      at: at(15),
      facts: { restoredFrom: 'v2' },
      expect: { action: 'copy', versionId: 'v1' },
    },
    {
      name: 'a version written in the very second asked for counts (S3 keeps seconds)',
      history: history([latest(v('v2', 25)), v('v1', 10)]),
      at: at(25),
      expect: { action: 'keep' },
    },
    {
      name: 'never existed anywhere before the time, absent now: nothing',
      history: history([latest(dm('d1', 30)), v('v1', 28)]),
      at: at(25),
      expect: { action: 'keep', reason: 'absent then (did not exist yet) and now' },
    },
  ];

  it.each(cases)('$name', ({ history: h, at: when, facts, expect: wanted }) => {
    expect(planKey(h, when, facts ?? none)).toMatchObject({ key: 'media/a.jpg', ...wanted });
  });

  it('reads a version id both histories list as one version, the source\'s entry first', () => {
    const h = history([latest(v('v2', 20))], [latest(v('v2', 20, { storageClass: 'GLACIER' }))]);
    expect(stateAt(h, at(25))).toMatchObject({ kind: 'version', from: 'source', entry: { storageClass: 'STANDARD' } });
  });

  it('sums a listing as it streams: keys, copies (from the replica), deletes, bytes, archived objects and the longest wait', () => {
    const actions = cases.map((c) => planKey(c.history, c.at, c.facts ?? none));
    const summary = actions.reduce(addToSummary, emptySummary());
    expect(summary).toEqual({
      keys: 17,
      unchanged: 5,
      copies: 10,
      fromReplica: 2,
      deletes: 2,
      bytes: 9 * 100 + 2048 - 100 + 6 * 1024 ** 3,
      archived: { objects: 1, bytes: 2048, longestHours: 5 },
    });
  });
});

describe('a prefix\'s histories, listed page by page and walked beside the replica\'s', () => {
  const s3Mock = mockClient(S3Client);
  const s3 = new S3Client({ region: 'ap-northeast-1' });
  const date = (minute: number) => new Date(at(minute));
  beforeEach(() => s3Mock.reset());

  it('puts each page\'s versions and delete markers back in order, follows both markers, and gathers a key spanning pages', async () => {
    s3Mock
      .on(ListObjectVersionsCommand, { Bucket: 'src', Prefix: 'media/', MaxKeys: 2 })
      .resolves({
        Versions: [{ Key: 'media/a', VersionId: 'a1', LastModified: date(10), IsLatest: false, Size: 5, StorageClass: 'STANDARD' }],
        DeleteMarkers: [{ Key: 'media/a', VersionId: 'ad', LastModified: date(20), IsLatest: true }],
        IsTruncated: true,
        NextKeyMarker: 'media/a',
        NextVersionIdMarker: 'a1',
      })
      .on(ListObjectVersionsCommand, { Bucket: 'src', KeyMarker: 'media/a', VersionIdMarker: 'a1' })
      .resolves({ Versions: [{ Key: 'media/a', VersionId: 'a0', LastModified: date(5), IsLatest: false, Size: 4 }, { Key: 'media/c', VersionId: 'c1', LastModified: date(7), IsLatest: true, Size: 3 }], IsTruncated: false });
    s3Mock.on(ListObjectVersionsCommand, { Bucket: 'rep' }).resolves({ Versions: [{ Key: 'media/b', VersionId: 'b1', LastModified: date(3), IsLatest: true, Size: 9 }, { Key: 'media/c', VersionId: 'c1', LastModified: date(7), IsLatest: true, Size: 3 }], IsTruncated: false });

    const histories: KeyHistory[] = [];
    for await (const h of keyHistories(keyEntries(versionEntries({ s3, bucket: 'src' }, 'media/', 2)), keyEntries(versionEntries({ s3, bucket: 'rep' }, 'media/', 2)))) histories.push(h);
    expect(histories.map((h) => [h.key, h.source.map((e) => e.versionId), h.replica.map((e) => e.versionId)])).toEqual([
      ['media/a', ['ad', 'a1', 'a0'], []],
      ['media/b', [], ['b1']],
      ['media/c', ['c1'], ['c1']],
    ]);
    expect(histories[0]!.source[0]).toMatchObject({ deleteMarker: true, isLatest: true });
    expect(s3Mock.commandCalls(ListObjectVersionsCommand, { Bucket: 'src' })).toHaveLength(2);
    // media/a at minute 15: a1; the delete marker since makes it a copy; media/b exists only in the replica.
    expect(histories.map((h) => planKey(h, at(15), none).action)).toEqual(['copy', 'copy', 'keep']);
  });

  it('walks keys in UTF-8 binary order, as S3 lists them (an upper-case key before a lower-case one, "é" after "z")', async () => {
    const page = (keys: string[]) => ({ Versions: keys.map((Key) => ({ Key, VersionId: `${Key}-1`, LastModified: date(1), IsLatest: true, Size: 1 })), IsTruncated: false });
    s3Mock.on(ListObjectVersionsCommand, { Bucket: 'src' }).resolves(page(['Z', 'a', 'z', 'é']));
    s3Mock.on(ListObjectVersionsCommand, { Bucket: 'rep' }).resolves(page(['a', 'é']));
    const keys: string[] = [];
    for await (const h of keyHistories(keyEntries(versionEntries({ s3, bucket: 'src' }, '')), keyEntries(versionEntries({ s3, bucket: 'rep' }, '')))) keys.push(`${h.key}:${h.source.length}${h.replica.length}`);
    expect(keys).toEqual(['Z:10', 'a:11', 'z:10', 'é:11']);
  });
});
