// What the RDS steps know about snapshots (shared/rds/snapshots.ts): listing ours, one by id, and
// reading our tags — which database and tier, copied from what, verified or not, and when the data was
// taken. Every prune, copy, verify and posture decision stands on these readings.

import { DBSnapshotNotFoundFault, DescribeDBSnapshotsCommand, RDSClient, type DBSnapshot } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { copySourceArn, describeSnapshot, hasVerdict, isVerified, listManualSnapshots, listOwnedSnapshots, newestFirst, snapshotsOf, takenAt, tierOf, verifiedSources } from '../../../shared/rds/snapshots.js';
import { copyOf, ourTags, PRIMARY, primarySnapshot } from '../helpers/rds-fixtures.js';
import { teamPolicy } from '../../helpers/runtime.js';

const rds = new RDSClient({ region: PRIMARY });
const mock = mockClient(rds);
const db = teamPolicy().resources.databases[0]!;
const a = primarySnapshot('backup-dr-app-db-20261124-0200', '2026-11-24T02:00:00+09:00');
const b = primarySnapshot('backup-dr-app-db-20261125-0200', '2026-11-25T02:00:00+09:00');
const withTags = (s: DBSnapshot, tags: Record<string, string>) => ({ ...s, TagList: [...(s.TagList ?? []), ...Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))] });

describe('listing snapshots', () => {
  beforeEach(() => mock.reset());

  it('lists every page of manual snapshots, of one instance when asked', async () => {
    mock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual', MaxRecords: 100 }).resolves({ DBSnapshots: [a], Marker: 'm1' });
    mock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual', MaxRecords: 100, Marker: 'm1' }).resolves({ DBSnapshots: [b] });
    expect(await listManualSnapshots(rds)).toEqual([a, b]);
    // Strictly: no DBInstanceIdentifier key at all when listing every instance's snapshots.
    expect(mock.commandCalls(DescribeDBSnapshotsCommand).map((c) => c.args[0].input)).toStrictEqual([
      { SnapshotType: 'manual', MaxRecords: 100 },
      { SnapshotType: 'manual', MaxRecords: 100, Marker: 'm1' },
    ]);
    mock.reset();
    mock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [a] });
    await listManualSnapshots(rds, 'app-db-prod');
    expect(mock.commandCalls(DescribeDBSnapshotsCommand)[0]?.args[0].input).toEqual({ SnapshotType: 'manual', MaxRecords: 100, DBInstanceIdentifier: 'app-db-prod' });
  });

  it('keeps only the snapshots with our owner tag and this policy\'s name', async () => {
    const theirs = primarySnapshot('nightly', '2026-11-24T02:00:00+09:00', {}, [{ Key: 'team', Value: 'dba' }]);
    const otherPolicy = primarySnapshot('backup-dr-app-db-x', '2026-11-24T02:00:00+09:00', {}, ourTags('app-db', { 'backup-dr:policy': 'staging' }));
    mock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [a, theirs, otherPolicy, b] });
    expect(await listOwnedSnapshots(rds, { ownerTag: 'backup-dr:owner', policyName: 'production' })).toEqual([a, b]);
  });

  it('needs the owner tag too: our policy\'s name alone, or another owner, is not ours', async () => {
    const withoutOwner = (id: string, owner?: string) => {
      const tags = ourTags('app-db').filter((t) => t.Key !== 'backup-dr:owner');
      return primarySnapshot(id, '2026-11-24T02:00:00+09:00', {}, owner === undefined ? tags : [...tags, { Key: 'backup-dr:owner', Value: owner }]);
    };
    const noOwner = withoutOwner('backup-dr-app-db-copied-by-hand');
    const otherOwner = withoutOwner('backup-dr-app-db-other-tool', 'other-tool');
    mock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [noOwner, a, otherOwner, b] });
    expect(await listOwnedSnapshots(rds, { ownerTag: 'backup-dr:owner', policyName: 'production' })).toEqual([a, b]);
    // The owner tag's key is the policy's: under another key, our own tag does not count.
    expect(await listOwnedSnapshots(rds, { ownerTag: 'acme:owner', policyName: 'production' })).toEqual([]);
  });

  it('describes one snapshot, or null when RDS says it does not exist or returns none', async () => {
    mock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: a.DBSnapshotArn }).resolves({ DBSnapshots: [a] });
    mock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'gone' }).rejects(new DBSnapshotNotFoundFault({ message: 'not found', $metadata: {} }));
    mock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'empty' }).resolves({});
    expect(await describeSnapshot(rds, a.DBSnapshotArn ?? '')).toEqual(a);
    expect(await describeSnapshot(rds, 'gone')).toBeNull();
    expect(await describeSnapshot(rds, 'empty')).toBeNull();
  });

  it('lets any other error through', async () => {
    mock.on(DescribeDBSnapshotsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await expect(describeSnapshot(rds, 'x')).rejects.toThrow('Rate exceeded');
  });
});

describe('reading our tags', () => {
  it('dates a snapshot by RDS\'s original time, then its own time, then our created-at tag, else not at all', () => {
    expect(takenAt({ ...a, SnapshotCreateTime: new Date('2026-11-24T03:00:00Z') })).toBe(Date.parse('2026-11-24T02:00:00+09:00'));
    expect(takenAt({ ...a, OriginalSnapshotCreateTime: undefined, SnapshotCreateTime: new Date('2026-11-24T03:00:00Z') })).toBe(Date.parse('2026-11-24T03:00:00Z'));
    const creating = withTags({ ...a, OriginalSnapshotCreateTime: undefined, SnapshotCreateTime: undefined }, { 'backup-dr:created-at': '2026-11-24T02:00:05+09:00' });
    expect(takenAt(creating)).toBe(Date.parse('2026-11-24T02:00:05+09:00'));
    expect(takenAt({ ...creating, OriginalSnapshotCreateTime: new Date('invalid') })).toBe(Date.parse('2026-11-24T02:00:05+09:00'));
    expect(takenAt({ ...a, OriginalSnapshotCreateTime: undefined, SnapshotCreateTime: undefined })).toBeNull();
    expect(takenAt(withTags({ ...a, OriginalSnapshotCreateTime: undefined, SnapshotCreateTime: undefined }, { 'backup-dr:created-at': 'soon' }))).toBeNull();
  });

  it('orders newest first, snapshots of unknown time last', () => {
    const unknown = { ...a, DBSnapshotIdentifier: 'unknown', OriginalSnapshotCreateTime: undefined, SnapshotCreateTime: undefined };
    expect([a, unknown, b].sort(newestFirst).map((s) => s.DBSnapshotIdentifier)).toEqual([b.DBSnapshotIdentifier, a.DBSnapshotIdentifier, 'unknown']);
    expect([unknown, b, a].sort(newestFirst).map((s) => s.DBSnapshotIdentifier)).toEqual([b.DBSnapshotIdentifier, a.DBSnapshotIdentifier, 'unknown']);
  });

  it('reads the tier, an untagged snapshot of ours being an original', () => {
    expect(tierOf(a)).toBe('primary');
    expect(tierOf(copyOf(a, '2026-11-24T03:00:00+09:00'))).toBe('copy');
    expect(tierOf({ ...a, TagList: [] })).toBe('primary');
  });

  it('reads a copy\'s source from our copy-of tag first, else RDS\'s field', () => {
    const copy = copyOf(a, '2026-11-24T03:00:00+09:00', { SourceDBSnapshotIdentifier: 'arn:rds-field' });
    expect(copySourceArn(copy)).toBe(a.DBSnapshotArn);
    expect(copySourceArn({ ...copy, TagList: [] })).toBe('arn:rds-field');
  });

  it('counts as verified only an available copy tagged verified and not tagged failed; any verdict counts as a verdict', () => {
    const copy = copyOf(a, '2026-11-24T03:00:00+09:00', { Status: 'available' });
    const verified = withTags(copy, { 'backup-dr:verified-at': '2026-11-24T04:00:00Z' });
    expect([isVerified(verified), hasVerdict(verified)]).toEqual([true, true]);
    expect([isVerified(copy), hasVerdict(copy)]).toEqual([false, false]);
    expect(isVerified({ ...verified, Status: 'deleting' })).toBe(false);
    const failed = withTags(verified, { 'backup-dr:verification-failed': '2026-11-24T05:00:00Z' });
    expect([isVerified(failed), hasVerdict(failed)]).toEqual([false, true]);
    expect(verifiedSources([verified, failed, copyOf(b, '2026-11-25T03:00:00+09:00')])).toEqual(new Set([a.DBSnapshotArn]));
  });

  it('picks one database\'s originals in the primary role and its copies in the secondary', () => {
    const other = primarySnapshot('backup-dr-old-db-x', '2026-11-24T02:00:00+09:00', {}, ourTags('old-db'));
    const copyA = copyOf(a, '2026-11-24T03:00:00+09:00');
    const untiered = { ...b, TagList: (b.TagList ?? []).filter((t) => t.Key !== 'backup-dr:tier') };
    const owned = [a, other, copyA, untiered, copyOf(other, '2026-11-24T03:00:00+09:00')];
    expect(snapshotsOf(db, 'primary', owned)).toEqual([a, untiered]);
    expect(snapshotsOf(db, 'secondary', owned)).toEqual([copyA]);
  });
});
