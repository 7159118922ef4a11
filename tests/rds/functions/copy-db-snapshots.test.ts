import {
  CopyDBSnapshotCommand,
  DBSnapshotAlreadyExistsFault,
  DescribeDBSnapshotsCommand,
  KMSKeyNotAccessibleFault,
  RDSClient,
  SnapshotQuotaExceededFault,
  type DBSnapshot,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { copyDbSnapshots } from '../../../functions/rds/copy-db-snapshots/copy-db-snapshots.js';
import type { BackupFigure } from '../../../functions/rds/copy-db-snapshots/plan.js';
import { RunFailed } from '../../../shared/errors.js';
import { copyOf, ourTags, PRIMARY, primarySnapshot, SECONDARY } from '../helpers/rds-fixtures.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const source = new RDSClient({ region: PRIMARY });
const target = new RDSClient({ region: SECONDARY });
const sourceMock = mockClient(source);
const targetMock = mockClient(target);
const NOW = Date.parse('2026-11-25T06:00:00+09:00');

/** The secondary deployment's own key (the team's policy names none): as the handler resolves it. */
const KEY = 'alias/backup-dr-prod';

function run(policy = teamPolicy(), key = KEY, created: { snapshotId: string; at: number } | null = null) {
  const alerts = new RecordingAlerts();
  const measured: BackupFigure[] = [];
  return { alerts, measured, result: copyDbSnapshots({ policy, source, target, key, alerts, log: new RecordingLog(), now: () => NOW, measured: (figures) => measured.push(...figures) }, created) };
}

const s1 = primarySnapshot('backup-dr-app-db-20261123-0200', '2026-11-22T17:00:00Z');
const s2 = primarySnapshot('backup-dr-app-db-20261124-0200', '2026-11-23T17:00:00Z');
const s3 = primarySnapshot('backup-dr-app-db-20261125-0200', '2026-11-24T17:00:00Z');

function given(primary: DBSnapshot[], secondary: DBSnapshot[] = []) {
  sourceMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: primary });
  targetMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: secondary });
  targetMock.on(CopyDBSnapshotCommand).resolves({});
}

const copyCalls = () => targetMock.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input.TargetDBSnapshotIdentifier);

describe('copy-db-snapshots', () => {
  beforeEach(() => {
    sourceMock.reset();
    targetMock.reset();
  });

  it('copies each available snapshot without a copy into the secondary region, oldest first, re-encrypted with the secondary key', async () => {
    given([s3, s1, s2], [copyOf(s1, '2026-11-23T18:00:00Z')]);
    const { result, alerts } = run();
    expect(await result).toEqual({ started: ['backup-dr-app-db-20261124-0200', 'backup-dr-app-db-20261125-0200'], inFlight: 2, waiting: [] });
    expect(copyCalls()).toEqual(['backup-dr-app-db-20261124-0200', 'backup-dr-app-db-20261125-0200']);
    expect(targetMock).toHaveReceivedCommandWith(CopyDBSnapshotCommand, {
      SourceDBSnapshotIdentifier: s2.DBSnapshotArn,
      TargetDBSnapshotIdentifier: 'backup-dr-app-db-20261124-0200',
      KmsKeyId: KEY,
      Tags: [
        ...ourTags('app-db').filter((t) => t.Key !== 'backup-dr:tier'),
        { Key: 'backup-dr:tier', Value: 'copy' },
        { Key: 'backup-dr:copy-of', Value: s2.DBSnapshotArn },
        { Key: 'backup-dr:copy-started-at', Value: new Date(NOW).toISOString() },
      ],
    });
    expect(sourceMock).not.toHaveReceivedCommand(CopyDBSnapshotCommand);
    expect(sourceMock).toHaveReceivedCommandWith(DescribeDBSnapshotsCommand, { SnapshotType: 'manual', MaxRecords: 100 });
    expect(alerts.published).toEqual([]);
  });

  it('hands over the duration of the snapshot its event names before copying, so a copy that fails does not lose it', async () => {
    given([s3]);
    targetMock.on(CopyDBSnapshotCommand).rejects(new SnapshotQuotaExceededFault({ message: 'quota', $metadata: {} }));
    const { result, measured } = run(teamPolicy(), KEY, { snapshotId: s3.DBSnapshotIdentifier!, at: Date.parse('2026-11-24T17:20:00Z') });
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(measured).toEqual([{ resource: 'app-db', snapshotId: s3.DBSnapshotIdentifier, state: 'completed', durationMs: 20 * 60_000, sizeBytes: 100 * 1024 ** 3 }]);
  });

  it('leaves out snapshots that are not ours, not available yet, or copies themselves', async () => {
    const theirs = primarySnapshot('manual-by-hand', '2026-11-20T00:00:00Z', {}, [{ Key: 'team', Value: 'dba' }]);
    const otherPolicy = primarySnapshot('backup-dr-app-db-x', '2026-11-20T00:00:00Z', {}, ourTags('app-db', { 'backup-dr:policy': 'staging' }));
    const creating = primarySnapshot('backup-dr-app-db-20261126-0200', '2026-11-25T17:00:00Z', { Status: 'creating' });
    given([theirs, otherPolicy, creating, s1]);
    const { result } = run();
    expect((await result).started).toEqual(['backup-dr-app-db-20261123-0200']);
  });

  it('reads every page of DescribeDBSnapshots in both regions', async () => {
    sourceMock.on(DescribeDBSnapshotsCommand).resolvesOnce({ DBSnapshots: [s1], Marker: 'p2' }).resolvesOnce({ DBSnapshots: [s2], Marker: 'p3' }).resolvesOnce({ DBSnapshots: [s3] });
    targetMock.on(DescribeDBSnapshotsCommand).resolvesOnce({ DBSnapshots: [copyOf(s1, '2026-11-23T18:00:00Z')], Marker: 'q2' }).resolvesOnce({ DBSnapshots: [copyOf(s2, '2026-11-24T18:00:00Z')] });
    targetMock.on(CopyDBSnapshotCommand).resolves({});
    const { result } = run();
    expect((await result).started).toEqual(['backup-dr-app-db-20261125-0200']);
    expect(sourceMock.commandCalls(DescribeDBSnapshotsCommand).map((c) => c.args[0].input.Marker)).toEqual([undefined, 'p2', 'p3']);
    expect(targetMock.commandCalls(DescribeDBSnapshotsCommand).map((c) => c.args[0].input.Marker)).toEqual([undefined, 'q2']);
  });

  it('keeps at most the configured number of copies in flight; the rest wait for the next run', async () => {
    const policy = teamPolicy((d) => { d.rds = { maxCopiesInFlight: 2 }; });
    const older = primarySnapshot('backup-dr-app-db-20261101-0200', '2026-10-31T17:00:00Z');
    given([s1, s2, s3, older], [copyOf(older, '2026-11-25T05:00:00Z', { Status: 'creating', PercentProgress: 40 })]);
    const { result } = run(policy);
    expect(await result).toEqual({ started: ['backup-dr-app-db-20261123-0200'], inFlight: 2, waiting: ['backup-dr-app-db-20261124-0200', 'backup-dr-app-db-20261125-0200'] });
  });

  it('stops at the copy limit AWS reports, alerts a warning, and lets the next run continue', async () => {
    given([s1, s2, s3]);
    targetMock.on(CopyDBSnapshotCommand, { TargetDBSnapshotIdentifier: s2.DBSnapshotIdentifier }).rejects(new SnapshotQuotaExceededFault({ message: 'Cannot copy more than 20 snapshots across regions', $metadata: {} }));
    const { result, alerts } = run();
    expect(await result).toEqual({ started: ['backup-dr-app-db-20261123-0200'], inFlight: 1, waiting: ['backup-dr-app-db-20261124-0200', 'backup-dr-app-db-20261125-0200'] });
    expect(copyCalls()).toEqual(['backup-dr-app-db-20261123-0200', 'backup-dr-app-db-20261124-0200']);
    expect(alerts.published).toEqual([expect.objectContaining({ severity: 'warning', kind: 'copy-deferred', region: SECONDARY, resource: 'app-db' })]);
  });

  it('treats a copy that already exists as in flight and goes on', async () => {
    given([s1, s2]);
    targetMock.on(CopyDBSnapshotCommand, { TargetDBSnapshotIdentifier: s1.DBSnapshotIdentifier }).rejects(new DBSnapshotAlreadyExistsFault({ message: 'exists', $metadata: {} }));
    const { result, alerts } = run();
    expect((await result).started).toEqual(['backup-dr-app-db-20261124-0200']);
    expect(alerts.published).toEqual([]);
  });

  it.each([
    { name: 'the manual-snapshot quota', error: () => new SnapshotQuotaExceededFault({ message: 'Cannot create more than 100 manual snapshots', $metadata: {} }), kind: 'copy-failed' },
    { name: 'an inaccessible KMS key', error: () => new KMSKeyNotAccessibleFault({ message: 'The target KMS key [alias/backup-dr] does not exist, is not enabled or you do not have permissions to access it.', $metadata: {} }), kind: 'configuration' },
    { name: 'a missing KMS key', error: () => Object.assign(new Error('Must specify new KMS key for cross region encrypted snapshot copy.'), { name: 'InvalidParameterValue' }), kind: 'configuration' },
  ])('alerts critical on $name, stops, and fails the run', async ({ error, kind }) => {
    given([s1, s2]);
    targetMock.on(CopyDBSnapshotCommand).rejects(error());
    const { result, alerts } = run();
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(copyCalls()).toEqual(['backup-dr-app-db-20261123-0200']);
    expect(alerts.published).toEqual([expect.objectContaining({ severity: 'critical', kind, resource: 'app-db', region: SECONDARY, source: 'copy-db-snapshots' })]);
  });

  it('encrypts a copy of an unencrypted snapshot with the secondary key: no copy of ours is unencrypted', async () => {
    const plain = primarySnapshot('backup-dr-app-db-20261123-0200', '2026-11-22T17:00:00Z', { Encrypted: false, KmsKeyId: undefined });
    given([plain]);
    await run().result;
    expect(targetMock.commandCalls(CopyDBSnapshotCommand)[0]?.args[0].input).toMatchObject({ SourceDBSnapshotIdentifier: plain.DBSnapshotArn, KmsKeyId: KEY });
  });

  it('names the key it could not use in the alert', async () => {
    given([s1]);
    targetMock.on(CopyDBSnapshotCommand).rejects(new KMSKeyNotAccessibleFault({ message: 'disabled', $metadata: {} }));
    const { result, alerts } = run(teamPolicy(), 'arn:aws:kms:ap-southeast-1:123456789012:key/k-1');
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(alerts.published[0]).toMatchObject({ kind: 'configuration', summary: 'the KMS key arn:aws:kms:ap-southeast-1:123456789012:key/k-1 cannot encrypt copies in ap-southeast-1' });
  });

  it('alerts a warning when RDS throttles after the SDK retries', async () => {
    given([s1]);
    targetMock.on(CopyDBSnapshotCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const { result, alerts } = run();
    expect((await result).waiting).toEqual(['backup-dr-app-db-20261123-0200']);
    expect(alerts.published).toEqual([expect.objectContaining({ severity: 'warning', kind: 'copy-deferred' })]);
  });
});
