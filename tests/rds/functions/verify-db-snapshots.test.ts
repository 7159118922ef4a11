import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AddTagsToResourceCommand, DBSnapshotNotFoundFault, DescribeDBSnapshotsCommand, RDSClient, RemoveTagsFromResourceCommand, type DBSnapshot } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { progressTag, queueProgressAt, verifyCopy } from '../../../functions/rds/verify-db-snapshots/plan.js';
import { verifyDbSnapshots } from '../../../functions/rds/verify-db-snapshots/verify-db-snapshots.js';
import { RunFailed } from '../../../shared/errors.js';
import { copyOf, PRIMARY, primarySnapshot, SECONDARY, SECONDARY_KEY_ARN } from '../helpers/rds-fixtures.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const NOW = Date.parse('2026-11-25T08:00:00+09:00');
const HOUR = 3_600_000;
const src = primarySnapshot('backup-dr-app-db-20261125-0200', '2026-11-24T17:00:00Z');
const good = copyOf(src, '2026-11-24T18:00:00Z');

describe('the verdict on one copy', () => {
  const base = { source: src, expectedKeyArn: SECONDARY_KEY_ARN, now: NOW, lastProgressAt: NOW - HOUR, stuckAfter: 12 * HOUR };
  it.each([
    { name: 'a faithful copy', copy: good, verdict: { state: 'verified' } },
    { name: 'a copy still creating', copy: { ...good, Status: 'creating', PercentProgress: 30 }, verdict: { state: 'pending', reason: 'copy is creating (30 %)' } },
    { name: 'an old copy whose queue still moves', copy: { ...good, Status: 'creating', PercentProgress: 5, SnapshotCreateTime: new Date(NOW - 72 * HOUR) }, verdict: { state: 'pending', reason: 'copy is creating (5 %)' } },
    { name: 'a failed copy', copy: { ...good, Status: 'failed' }, verdict: { state: 'failed', problems: ['copy is in state "failed"'] } },
    { name: 'a copy with the wrong key', copy: { ...good, KmsKeyId: 'arn:aws:kms:ap-southeast-1:123456789012:key/other' }, verdict: { state: 'failed', problems: [`copy is encrypted with arn:aws:kms:ap-southeast-1:123456789012:key/other, expected ${SECONDARY_KEY_ARN}`] } },
    { name: 'an unencrypted copy of an encrypted source', copy: { ...good, Encrypted: false }, verdict: { state: 'failed', problems: ['copy is not encrypted'] } },
    { name: 'an unencrypted copy of an unencrypted source (copies are always encrypted)', copy: { ...good, Encrypted: false, KmsKeyId: undefined }, source: { ...src, Encrypted: false, KmsKeyId: undefined }, verdict: { state: 'failed', problems: ['copy is not encrypted'] } },
    { name: 'a source whose own create time differs from its original time (compared like with like)', copy: good, source: { ...src, SnapshotCreateTime: new Date('2026-11-24T17:04:12Z') }, verdict: { state: 'verified' } },
    { name: 'another engine version', copy: { ...good, EngineVersion: '15.8' }, verdict: { state: 'failed', problems: ['engine version differs: copy has 15.8, source has 16.4'] } },
    { name: 'other storage', copy: { ...good, AllocatedStorage: 50 }, verdict: { state: 'failed', problems: ['allocated storage differs: copy has 50, source has 100'] } },
    { name: 'another source', copy: { ...good, SourceDBSnapshotIdentifier: 'arn:aws:rds:ap-northeast-1:123456789012:snapshot:other' }, verdict: { state: 'failed', problems: [`source snapshot ARN differs: copy has arn:aws:rds:ap-northeast-1:123456789012:snapshot:other, source has ${src.DBSnapshotArn}`] } },
    { name: 'another creation time', copy: { ...good, OriginalSnapshotCreateTime: new Date('2026-11-23T17:00:00Z') }, verdict: { state: 'failed', problems: ['original snapshot create time differs: copy has 2026-11-23T17:00:00.000Z, source has 2026-11-24T17:00:00.000Z'] } },
  ] as { name: string; copy: DBSnapshot; source?: DBSnapshot; verdict: unknown }[])('$name', ({ copy, source, verdict }) => {
    expect(verifyCopy({ ...base, copy, source: source ?? src })).toEqual(verdict);
  });

  it('fails a copy in flight whose queue has not moved for longer than the limit', () => {
    const copy = { ...good, Status: 'creating', PercentProgress: 99 };
    expect(verifyCopy({ ...base, copy, lastProgressAt: NOW - 13 * HOUR })).toEqual({ state: 'failed', problems: ['copy still "creating" at 99 %: its queue has not moved for 13 h'] });
  });
});

describe('progress of copies in flight', () => {
  const tagged = (copy: DBSnapshot, tags: Record<string, string>) => ({ ...copy, TagList: [...(copy.TagList ?? []), ...Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))] });
  const queued = tagged({ ...good, Status: 'pending', PercentProgress: 0 }, { 'backup-dr:copy-started-at': new Date(NOW - 20 * HOUR).toISOString(), 'backup-dr:copy-progress': `0@${new Date(NOW - 20 * HOUR).toISOString()}` });

  it('does not call a copy stuck while it waits behind another copy of the same instance that moves', () => {
    const ahead = tagged({ ...good, DBSnapshotIdentifier: 'ahead', Status: 'creating', PercentProgress: 60 }, { 'backup-dr:copy-progress': `40@${new Date(NOW - 2 * HOUR).toISOString()}` });
    expect(queueProgressAt(queued, [ahead], NOW)).toBe(NOW); // the copy ahead moved (40 → 60 %) since the last run
    expect(verifyCopy({ source: src, expectedKeyArn: SECONDARY_KEY_ARN, now: NOW, stuckAfter: 12 * HOUR, copy: queued, lastProgressAt: queueProgressAt(queued, [ahead], NOW) })).toMatchObject({ state: 'pending' });
  });

  it('counts a copy of the same instance completed (verified) recently as the queue moving', () => {
    const done = tagged(good, { 'backup-dr:verified-at': new Date(NOW - 3 * HOUR).toISOString() });
    expect(queueProgressAt(queued, [done], NOW)).toBe(NOW - 3 * HOUR);
  });

  it('calls a queue stuck when nothing in it moved', () => {
    const ahead = tagged({ ...good, DBSnapshotIdentifier: 'ahead', Status: 'creating', PercentProgress: 40, SnapshotCreateTime: undefined }, { 'backup-dr:copy-progress': `40@${new Date(NOW - 14 * HOUR).toISOString()}` });
    expect(queueProgressAt(queued, [ahead], NOW)).toBe(NOW - 14 * HOUR);
  });

  it('records progress only when it changed', () => {
    expect(progressTag({ ...queued, PercentProgress: 0 }, NOW)).toBeNull();
    expect(progressTag({ ...queued, PercentProgress: 3 }, NOW)).toBe(`3@${new Date(NOW).toISOString()}`);
    expect(progressTag({ ...good, Status: 'creating', PercentProgress: 0 }, NOW)).toBe(`0@${new Date(NOW).toISOString()}`);
  });

  it('fails a copy whose source has vanished', () => {
    expect(verifyCopy({ source: null, expectedKeyArn: SECONDARY_KEY_ARN, now: NOW, lastProgressAt: NOW, stuckAfter: 12 * HOUR, copy: good })).toEqual({ state: 'failed', problems: ['the source snapshot no longer exists: nothing to compare the copy with'] });
  });
});

describe('verify-db-snapshots', () => {
  const source = new RDSClient({ region: PRIMARY });
  const target = new RDSClient({ region: SECONDARY });
  const kms = new KMSClient({ region: SECONDARY });
  const sourceMock = mockClient(source);
  const targetMock = mockClient(target);
  const kmsMock = mockClient(kms);

  beforeEach(() => {
    sourceMock.reset();
    targetMock.reset();
    kmsMock.reset();
    kmsMock.on(DescribeKeyCommand, { KeyId: 'alias/backup-dr-prod' }).resolves({ KeyMetadata: { KeyId: 'secondary-key', Arn: SECONDARY_KEY_ARN } });
    targetMock.on(AddTagsToResourceCommand).resolves({});
  });

  function run() {
    const alerts = new RecordingAlerts();
    return { alerts, result: verifyDbSnapshots({ policy: teamPolicy(), source, target, kms, key: 'alias/backup-dr-prod', alerts, log: new RecordingLog(), now: () => NOW }) };
  }

  it('tags a faithful copy as verified, with the time, comparing it with its source in the primary region', async () => {
    targetMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [good] });
    sourceMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: src.DBSnapshotArn }).resolves({ DBSnapshots: [src] });
    const { result, alerts } = run();
    expect(await result).toEqual({ verified: ['backup-dr-app-db-20261125-0200'], pending: [], failed: [] });
    expect(targetMock).toHaveReceivedCommandWith(AddTagsToResourceCommand, { ResourceName: good.DBSnapshotArn, Tags: [{ Key: 'backup-dr:verified-at', Value: new Date(NOW).toISOString() }] });
    expect(sourceMock).not.toHaveReceivedCommand(AddTagsToResourceCommand);
    expect(alerts.published).toEqual([]);
  });

  it('verifies after all a copy that failed earlier (stuck) and has now completed intact, clearing the failure', async () => {
    const recovered = copyOf(src, '2026-11-24T18:00:00Z', {}, { 'backup-dr:verification-failed': '2026-11-24T07:00:00Z' });
    targetMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [recovered] });
    sourceMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [src] });
    targetMock.on(RemoveTagsFromResourceCommand).resolves({});
    const { result, alerts } = run();
    expect((await result).verified).toEqual(['backup-dr-app-db-20261125-0200']);
    expect(targetMock).toHaveReceivedCommandWith(RemoveTagsFromResourceCommand, { ResourceName: recovered.DBSnapshotArn, TagKeys: ['backup-dr:verification-failed'] });
    expect(alerts.published).toEqual([]);
  });

  it('skips verified copies, waits for copies in progress, and re-checks an earlier failure without alerting again', async () => {
    const verified = copyOf(src, '2026-11-24T18:00:00Z', {}, { 'backup-dr:verified-at': '2026-11-24T19:00:00Z' });
    const olderSource = primarySnapshot('backup-dr-app-db-20261124-0200', '2026-11-23T17:00:00Z');
    const failedBefore = copyOf(olderSource, '2026-11-23T18:00:00Z', { AllocatedStorage: 20 }, { 'backup-dr:verification-failed': '2026-11-23T19:00:00Z' });
    const inProgress = copyOf(primarySnapshot('backup-dr-app-db-20261123-0200', '2026-11-22T17:00:00Z'), '2026-11-25T07:00:00+09:00', { Status: 'creating', PercentProgress: 10 });
    targetMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [verified, failedBefore, inProgress] });
    sourceMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [olderSource] });
    const { result, alerts } = run();
    expect(await result).toEqual({ verified: [], pending: ['backup-dr-app-db-20261124-0200', 'backup-dr-app-db-20261123-0200'], failed: [] });
    // The only tag written: the progress of the copy in flight, first seen now.
    expect(targetMock).toHaveReceivedCommandTimes(AddTagsToResourceCommand, 1);
    expect(targetMock).toHaveReceivedCommandWith(AddTagsToResourceCommand, { ResourceName: inProgress.DBSnapshotArn, Tags: [{ Key: 'backup-dr:copy-progress', Value: `10@${new Date(NOW).toISOString()}` }] });
    expect(sourceMock).toHaveReceivedCommandTimes(DescribeDBSnapshotsCommand, 1);
    expect(alerts.published).toEqual([]);
  });

  it('alerts once on a mismatch: the copy is tagged as failed so later runs do not repeat it', async () => {
    targetMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ ...good, AllocatedStorage: 20 }] });
    sourceMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [src] });
    const { result, alerts } = run();
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(targetMock).toHaveReceivedCommandWith(AddTagsToResourceCommand, { Tags: [{ Key: 'backup-dr:verification-failed', Value: new Date(NOW).toISOString() }] });
    expect(alerts.published).toEqual([
      expect.objectContaining({
        severity: 'critical',
        kind: 'verification-failed',
        resource: 'app-db',
        region: SECONDARY,
        summary: 'copy backup-dr-app-db-20261125-0200 failed verification: allocated storage differs: copy has 20, source has 100',
        action: expect.stringContaining('aws rds delete-db-snapshot --region ap-southeast-1'),
      }),
    ]);
  });

  it('fails verification when the source no longer exists', async () => {
    targetMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [good] });
    sourceMock.on(DescribeDBSnapshotsCommand).rejects(new DBSnapshotNotFoundFault({ message: 'not found', $metadata: {} }));
    const { result, alerts } = run();
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(alerts.published[0]?.summary).toContain('source snapshot no longer exists');
  });
});
