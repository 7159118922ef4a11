import { DBSnapshotNotFoundFault, DeleteDBSnapshotCommand, DescribeDBSnapshotsCommand, RDSClient, type DBSnapshot } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { pruneDbSnapshots } from '../../../functions/rds/prune-db-snapshots/prune-db-snapshots.js';
import { RunFailed } from '../../../shared/errors.js';
import { copyOf, ourTags, PRIMARY, primarySnapshot, SECONDARY } from '../helpers/rds-fixtures.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const primary = new RDSClient({ region: PRIMARY });
const secondary = new RDSClient({ region: SECONDARY });
const primaryMock = mockClient(primary);
const secondaryMock = mockClient(secondary);
const NOW = Date.parse('2026-11-25T05:30:00+09:00');

/** Keep three daily snapshots (below the 7-year floor, so with an override). */
const shortPolicy = (change?: (d: Record<string, any>) => void) =>
  teamPolicy((d) => {
    d.resources.databases[0].retention = { daily: 3, complianceOverride: 'test fixture with short retention' };
    change?.(d);
  });

const days = ['20', '21', '22', '23', '24', '25'];
const snapshots = days.map((day) => primarySnapshot(`backup-dr-app-db-202611${day}-0200`, `2026-11-${day}T02:00:00+09:00`));
// A verified copy is available, whatever state its source is in.
const verifiedCopy = (s: DBSnapshot) => copyOf(s, new Date((s.SnapshotCreateTime?.getTime() ?? 0) + 3_600_000).toISOString(), { Status: 'available' }, { 'backup-dr:verified-at': '2026-11-25T04:00:00Z' });
const deletedIds = (mock: typeof primaryMock) => mock.commandCalls(DeleteDBSnapshotCommand).map((c) => c.args[0].input.DBSnapshotIdentifier);

function run(role: 'primary' | 'secondary', policy = shortPolicy()) {
  const alerts = new RecordingAlerts();
  const log = new RecordingLog();
  const result = pruneDbSnapshots({
    policy,
    role,
    rds: role === 'primary' ? primary : secondary,
    peer: role === 'primary' ? secondary : primary,
    alerts,
    log,
    now: () => NOW,
  });
  return { alerts, log, result };
}

describe('prune-db-snapshots in the primary region', () => {
  beforeEach(() => {
    primaryMock.reset();
    secondaryMock.reset();
    primaryMock.on(DeleteDBSnapshotCommand).resolves({});
  });

  it('deletes what the retention plan removes once its copy is verified, logging each deletion with its reason', async () => {
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots.map(verifiedCopy) });
    const { result, log } = run('primary');
    const [decision] = await result;
    expect(deletedIds(primaryMock)).toEqual(['backup-dr-app-db-20261122-0200', 'backup-dr-app-db-20261121-0200', 'backup-dr-app-db-20261120-0200']);
    expect(decision?.kept.map((k) => k.id)).toEqual(['backup-dr-app-db-20261125-0200', 'backup-dr-app-db-20261124-0200', 'backup-dr-app-db-20261123-0200']);
    expect(log.lines.filter((l) => l.message === 'deleted snapshot').map((l) => l.fields)).toContainEqual(
      expect.objectContaining({ snapshotId: 'backup-dr-app-db-20261120-0200', region: PRIMARY, reason: 'not kept by any rule' }),
    );
    expect(secondaryMock).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
  });

  it('keeps a snapshot whose copy is missing or not verified yet, saying why', async () => {
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots });
    const copies = [verifiedCopy(snapshots[0] as DBSnapshot), copyOf(snapshots[1] as DBSnapshot, '2026-11-21T03:00:00+09:00')];
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: copies });
    const { result } = run('primary');
    const [decision] = await result;
    expect(deletedIds(primaryMock)).toEqual(['backup-dr-app-db-20261120-0200']);
    expect(decision?.kept).toContainEqual({ id: 'backup-dr-app-db-20261121-0200', reasons: [], guards: ['copy in the secondary region not verified yet'] });
    expect(decision?.kept).toContainEqual({ id: 'backup-dr-app-db-20261122-0200', reasons: [], guards: ['copy in the secondary region not verified yet'] });
  });

  it('never touches snapshots that are not ours, held, or not available', async () => {
    const theirs = primarySnapshot('nightly-by-dba', '2026-11-01T02:00:00+09:00', {}, [{ Key: 'team', Value: 'dba' }]);
    const held = primarySnapshot('backup-dr-app-db-20261101-0200', '2026-11-01T02:00:00+09:00', {}, ourTags('app-db', { 'legal-hold': 'case-17' }));
    const creating = primarySnapshot('backup-dr-app-db-20261102-0200', '2026-11-02T02:00:00+09:00', { Status: 'creating' });
    const all = [...snapshots, theirs, held, creating];
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: all });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: all.map(verifiedCopy) });
    const { result } = run('primary');
    const [decision] = await result;
    expect(deletedIds(primaryMock)).not.toContain('nightly-by-dba');
    expect(deletedIds(primaryMock)).not.toContain('backup-dr-app-db-20261101-0200');
    expect(deletedIds(primaryMock)).not.toContain('backup-dr-app-db-20261102-0200');
    expect(decision?.kept).toContainEqual({ id: 'backup-dr-app-db-20261101-0200', reasons: [], guards: ['legal hold'] });
    expect(decision?.kept).toContainEqual({ id: 'backup-dr-app-db-20261102-0200', reasons: [], guards: ['not available yet (creating)'] });
  });

  it('only reports in dry-run mode', async () => {
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots.map(verifiedCopy) });
    const { result } = run('primary', shortPolicy((d) => { d.dryRun = true; }));
    const [decision] = await result;
    expect(primaryMock).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
    expect(decision?.wouldDelete).toEqual(['backup-dr-app-db-20261122-0200', 'backup-dr-app-db-20261121-0200', 'backup-dr-app-db-20261120-0200']);
  });

  it('is idempotent: a snapshot already deleted is not an error', async () => {
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots.map(verifiedCopy) });
    primaryMock.on(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: 'backup-dr-app-db-20261121-0200' }).rejects(new DBSnapshotNotFoundFault({ message: 'gone', $metadata: {} }));
    const { result } = run('primary');
    expect((await result)[0]?.deleted).toEqual(['backup-dr-app-db-20261122-0200', 'backup-dr-app-db-20261120-0200']);
  });

  it('deletes nothing when the secondary region cannot be read, and alerts', async () => {
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots });
    secondaryMock.on(DescribeDBSnapshotsCommand).rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    const { result, alerts } = run('primary');
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(primaryMock).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
    expect(alerts.published).toEqual([expect.objectContaining({ severity: 'critical', kind: 'prune-failed', resource: 'app-db', region: PRIMARY })]);
  });

  it('refuses, deleting nothing, when the policy would remove every snapshot', async () => {
    const tagsOnly = teamPolicy((d) => { d.resources.databases[0].retention = { tags: [['keep-me']], complianceOverride: 'test fixture with tag-only retention' }; });
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots.map(verifiedCopy) });
    const { result, alerts } = run('primary', tagsOnly);
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(primaryMock).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
    expect(alerts.published[0]).toMatchObject({ kind: 'prune-refused', summary: expect.stringContaining('would remove all 6 snapshots') });
  });
});

describe('prune-db-snapshots in the secondary region', () => {
  beforeEach(() => {
    primaryMock.reset();
    secondaryMock.reset();
    secondaryMock.on(DeleteDBSnapshotCommand).resolves({});
  });

  it('prunes copies by the policy but never the newest verified copy, and never deletes in the primary', async () => {
    // Only the two oldest copies are verified: the newest verified one (11-21) must stay.
    const copies = snapshots.map((s, i) => (i < 2 ? verifiedCopy(s) : copyOf(s, '2026-11-25T04:00:00+09:00')));
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: copies });
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots });
    const { result } = run('secondary');
    const [decision] = await result;
    expect(deletedIds(secondaryMock)).toEqual(['backup-dr-app-db-20261122-0200', 'backup-dr-app-db-20261120-0200']);
    expect(decision?.kept).toContainEqual({ id: 'backup-dr-app-db-20261121-0200', reasons: [], guards: ['newest verified copy'] });
    expect(primaryMock).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
  });

  it('deletes nothing in the secondary when the primary cannot be read (its legal holds are unknown)', async () => {
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots.map(verifiedCopy) });
    primaryMock.on(DescribeDBSnapshotsCommand).rejects(Object.assign(new Error('Could not connect to the endpoint URL'), { name: 'TimeoutError' }));
    const { result, alerts } = run('secondary');
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(secondaryMock).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
    expect(alerts.published).toEqual([expect.objectContaining({ kind: 'prune-failed', region: SECONDARY })]);
  });

  it.each([
    { state: 'being deleted', copy: (s: DBSnapshot) => ({ ...verifiedCopy(s), Status: 'deleting' }) },
    { state: 'failed', copy: (s: DBSnapshot) => ({ ...verifiedCopy(s), Status: 'failed' }) },
    { state: 'both verified and marked failed', copy: (s: DBSnapshot) => copyOf(s, '2026-11-25T04:00:00+09:00', { Status: 'available' }, { 'backup-dr:verified-at': '2026-11-25T04:00:00Z', 'backup-dr:verification-failed': '2026-11-25T05:00:00Z' }) },
  ])('keeps a source whose "verified" copy is $state: such a copy protects nothing', async ({ copy }) => {
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots.map(copy) });
    const { result } = run('primary');
    const [decision] = await result;
    expect(deletedIds(primaryMock)).toEqual([]);
    expect(decision?.kept).toContainEqual({ id: 'backup-dr-app-db-20261120-0200', reasons: [], guards: ['copy in the secondary region not verified yet'] });
  });

  it('never deletes a snapshot whose time cannot be known, and says why', async () => {
    const timeless = { ...primarySnapshot('backup-dr-app-db-20261001-0200', '2026-10-01T02:00:00+09:00'), SnapshotCreateTime: undefined, OriginalSnapshotCreateTime: undefined, TagList: ourTags('app-db').filter((t) => t.Key !== 'backup-dr:created-at') };
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [...snapshots, timeless] });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [...snapshots, timeless].map(verifiedCopy) });
    const { result } = run('primary');
    const [decision] = await result;
    expect(deletedIds(primaryMock)).not.toContain('backup-dr-app-db-20261001-0200');
    expect(decision?.kept).toContainEqual({ id: 'backup-dr-app-db-20261001-0200', reasons: [], guards: ['creation time unknown: never deleted'] });
  });

  it('holds a copy when its source in the primary is under legal hold (a hold on either side holds both)', async () => {
    const heldSource = primarySnapshot('backup-dr-app-db-20261120-0200', '2026-11-20T02:00:00+09:00', {}, ourTags('app-db', { 'legal-hold': 'case-17' }));
    const sources = [heldSource, ...snapshots.slice(1)];
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: sources });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots.map(verifiedCopy) });
    const { result } = run('secondary');
    const [decision] = await result;
    expect(deletedIds(secondaryMock)).toEqual(['backup-dr-app-db-20261122-0200', 'backup-dr-app-db-20261121-0200']);
    expect(decision?.kept).toContainEqual({ id: 'backup-dr-app-db-20261120-0200', reasons: [], guards: ['legal hold on its counterpart in the other region'] });
  });

  it('holds a source when its copy in the secondary is under legal hold', async () => {
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots.map((s, i) => (i === 0 ? copyOf(s, '2026-11-20T03:00:00+09:00', { Status: 'available' }, { 'backup-dr:verified-at': '2026-11-25T04:00:00Z', 'legal-hold': 'audit' }) : verifiedCopy(s))) });
    const { result } = run('primary');
    const [decision] = await result;
    expect(deletedIds(primaryMock)).not.toContain('backup-dr-app-db-20261120-0200');
    expect(decision?.kept).toContainEqual({ id: 'backup-dr-app-db-20261120-0200', reasons: [], guards: ['legal hold on its counterpart in the other region'] });
  });

  it.each([
    { tag: { 'legal-hold': 'false' }, reading: 'any value, even "false"' },
    { tag: { 'Legal-Hold': 'x' }, reading: 'the key in any case' },
    { tag: { 'LEGAL-HOLD': '' }, reading: 'an empty value' },
  ] as { tag: Record<string, string>; reading: string }[])('reads a legal hold the safe way: present means held ($reading)', async ({ tag }) => {
    const held = primarySnapshot('backup-dr-app-db-20261120-0200', '2026-11-20T02:00:00+09:00', {}, ourTags('app-db', tag));
    const sources = [held, ...snapshots.slice(1)];
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: sources });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: sources.map(verifiedCopy) });
    const { result } = run('primary');
    const [decision] = await result;
    expect(deletedIds(primaryMock)).not.toContain('backup-dr-app-db-20261120-0200');
    expect(decision?.kept.find((k) => k.id === 'backup-dr-app-db-20261120-0200')?.guards).toContain('legal hold');
  });

  it('applies the secondary retention when the policy sets one', async () => {
    const policy = shortPolicy((d) => { d.resources.databases[0].retention.secondary = { last: 5 }; });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots.map(verifiedCopy) });
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots });
    const { result } = run('secondary', policy);
    await result;
    expect(deletedIds(secondaryMock)).toEqual(['backup-dr-app-db-20261120-0200']);
  });
});
