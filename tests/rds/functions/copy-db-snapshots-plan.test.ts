// What a copy run decides, pure (functions/rds/copy-db-snapshots/plan.ts): which originals still need a
// copy and in which order, what counts against the copies-in-flight cap, which tags a copy carries, and
// what each failure means for a person; and how long each snapshot took (backupFigures).

import type { DBSnapshot, Tag } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { backupFigures, copyFailureAlert, copyRequest, copyTags, planCopies } from '../../../functions/rds/copy-db-snapshots/plan.js';
import { copyOf, finalSnapshot, ourTags, primarySnapshot, scheduledTags } from '../helpers/rds-fixtures.js';
import { teamPolicy } from '../../helpers/runtime.js';

const NOW = Date.parse('2026-11-25T06:00:00+09:00');
const policy = teamPolicy();
const KEY = 'arn:aws:kms:ap-southeast-1:123456789012:key/secondary-key';
const s1 = primarySnapshot('backup-dr-app-db-20261123-0200', '2026-11-23T02:00:00+09:00');
const s2 = primarySnapshot('backup-dr-app-db-20261124-0200', '2026-11-24T02:00:00+09:00');
const s3 = primarySnapshot('backup-dr-app-db-20261125-0200', '2026-11-25T02:00:00+09:00');
const ids = (list: readonly DBSnapshot[]) => list.map((s) => s.DBSnapshotIdentifier);

describe('planCopies', () => {
  it('lists our available originals without a copy, oldest first', () => {
    expect(ids(planCopies(policy, [s3, s1, s2], [copyOf(s2, '2026-11-24T03:00:00+09:00')]).pending)).toEqual([s1.DBSnapshotIdentifier, s3.DBSnapshotIdentifier]);
  });

  it('puts a snapshot RDS reports without a create time first', () => {
    const timeless = { ...primarySnapshot('backup-dr-app-db-x', '2026-11-25T03:00:00+09:00'), SnapshotCreateTime: undefined };
    expect(ids(planCopies(policy, [s2, timeless, s1], []).pending)).toEqual(['backup-dr-app-db-x', s1.DBSnapshotIdentifier, s2.DBSnapshotIdentifier]);
  });

  it.each(['creating', 'failed', 'deleting'])('does not copy an original that is %s', (status) => {
    expect(planCopies(policy, [{ ...s1, Status: status }], []).pending).toEqual([]);
  });

  it('does not copy a copy, nor a snapshot of a database the policy does not have (or of none)', () => {
    const aCopy = { ...s1, TagList: ourTags('app-db', { 'backup-dr:tier': 'copy' }) };
    const otherDb = primarySnapshot('backup-dr-old-db-x', '2026-11-24T02:00:00+09:00', {}, ourTags('old-db'));
    const noResource = primarySnapshot('backup-dr-none-x', '2026-11-24T02:00:00+09:00', {}, ourTags('app-db').filter((t) => t.Key !== 'backup-dr:resource'));
    expect(planCopies(policy, [aCopy, otherDb, noResource], []).pending).toEqual([]);
  });

  it('recognises an existing copy by our copy-of tag, or else by RDS\'s source field', () => {
    const byTag = copyOf(s1, '2026-11-23T03:00:00+09:00', { SourceDBSnapshotIdentifier: undefined });
    const byField = { ...copyOf(s2, '2026-11-24T03:00:00+09:00'), TagList: ourTags('app-db', { 'backup-dr:tier': 'copy' }) };
    expect(ids(planCopies(policy, [s1, s2, s3], [byTag, byField]).pending)).toEqual([s3.DBSnapshotIdentifier]);
  });

  it.each([
    { status: 'creating', inFlight: 1 },
    { status: 'copying', inFlight: 1 },
    { status: 'pending', inFlight: 1 },
    { status: 'available', inFlight: 0 },
    { status: 'failed', inFlight: 0 },
    { status: undefined, inFlight: 0 },
  ])('counts a copy that is $status as in flight: $inFlight', ({ status, inFlight }) => {
    const copy = { ...copyOf(s1, '2026-11-23T03:00:00+09:00'), Status: status };
    expect(planCopies(policy, [], [copy, copy]).inFlight).toBe(2 * inFlight);
  });

  it('does not copy again a source RDS describes without an ARN once a copy names it', () => {
    const { DBSnapshotArn: _none, ...noArn } = s1;
    const copy = { ...copyOf(s1, '2026-11-23T03:00:00+09:00'), TagList: copyTags(noArn, NOW) };
    expect(planCopies(policy, [noArn], [copy]).pending).toEqual([]);
  });
});

describe('copyTags and copyRequest', () => {
  it('carries our tags over, without AWS-reserved keys or the tags that describe an original, and marks the copy', () => {
    const tags: Tag[] = [
      { Key: 'backup-dr:owner', Value: 'backup-dr' },
      { Key: 'team', Value: undefined },
      { Key: 'aws:cloudformation:stack-name', Value: 'x' },
      { Key: 'not-aws:', Value: 'kept' },
      { Key: undefined, Value: 'no key' },
      { Key: 'backup-dr:tier', Value: 'primary' },
      { Key: 'backup-dr:copy-of', Value: 'stale' },
      { Key: 'backup-dr:verified-at', Value: 'stale' },
      { Key: 'backup-dr:copy-started-at', Value: 'stale' },
    ];
    const source = { ...primarySnapshot('backup-dr-app-db-20261125-0200', '2026-11-25T02:00:00+09:00'), TagList: tags };
    expect(copyTags(source, NOW)).toEqual([
      { Key: 'backup-dr:owner', Value: 'backup-dr' },
      { Key: 'team', Value: '' },
      { Key: 'not-aws:', Value: 'kept' },
      { Key: 'backup-dr:tier', Value: 'copy' },
      { Key: 'backup-dr:copy-of', Value: source.DBSnapshotArn },
      { Key: 'backup-dr:copy-started-at', Value: new Date(NOW).toISOString() },
    ]);
  });

  it('marks a copy of a source without tags or an ARN all the same', () => {
    expect(copyTags({ DBSnapshotIdentifier: 'x' }, NOW)).toEqual([
      { Key: 'backup-dr:tier', Value: 'copy' },
      { Key: 'backup-dr:copy-of', Value: '' },
      { Key: 'backup-dr:copy-started-at', Value: new Date(NOW).toISOString() },
    ]);
  });

  it('asks for a copy under the same id, from the source ARN, encrypted with the given key', () => {
    expect(copyRequest(s1, KEY, NOW)).toEqual({ SourceDBSnapshotIdentifier: s1.DBSnapshotArn, TargetDBSnapshotIdentifier: s1.DBSnapshotIdentifier, KmsKeyId: KEY, Tags: copyTags(s1, NOW) });
    expect(copyRequest({ DBSnapshotArn: 'arn:x' }, KEY, NOW).TargetDBSnapshotIdentifier).toBe('');
  });
});

describe('copyFailureAlert', () => {
  const named = (name: string, message = 'it failed') => Object.assign(new Error(message), { name });
  const details = (error: string, message: string) => ({ snapshot: s1.DBSnapshotArn, error, message });

  it('defers to the next run when the cross-region copy limit is reached', () => {
    expect(copyFailureAlert(policy, s1, KEY, named('CopyLimitReached', 'twenty in flight'), NOW)).toEqual({
      severity: 'warning',
      kind: 'copy-deferred',
      resource: 'app-db',
      region: 'ap-southeast-1',
      summary: 'cross-region copy limit reached in ap-southeast-1; backup-dr-app-db-20261123-0200 and later snapshots wait',
      action: 'Nothing to do if it clears within a day: the next run continues. If it persists, look for copies stuck in "creating" in the secondary region.',
      source: 'copy-db-snapshots',
      at: NOW,
      details: details('CopyLimitReached', 'twenty in flight'),
    });
  });

  it.each(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException'])('defers a throttled copy (%s) to the next run', (name) => {
    expect(copyFailureAlert(policy, s1, KEY, named(name), NOW)).toMatchObject({
      severity: 'warning',
      kind: 'copy-deferred',
      summary: 'RDS throttled the copy of backup-dr-app-db-20261123-0200; the next run retries',
      action: 'Nothing to do unless it repeats for a day; then look for other automation calling RDS in this account.',
    });
  });

  it('calls a full manual-snapshot quota in the secondary a failed copy, and says what to check', () => {
    expect(copyFailureAlert(policy, s1, KEY, named('SnapshotQuotaExceeded'), NOW)).toMatchObject({
      severity: 'critical',
      kind: 'copy-failed',
      summary: 'manual snapshot quota reached in ap-southeast-1: backup-dr-app-db-20261123-0200 cannot be copied',
      action: 'Check that prune-db-snapshots runs in the secondary region, or request a quota increase.',
    });
  });

  it.each(['ConfigurationError', 'KmsKeyNotAccessible'])('calls an unusable key (%s) a configuration problem naming the key', (name) => {
    expect(copyFailureAlert(policy, s1, KEY, named(name), NOW)).toMatchObject({
      severity: 'critical',
      kind: 'configuration',
      summary: `the KMS key ${KEY} cannot encrypt copies in ap-southeast-1`,
      action: `Check that ${KEY} is an enabled key in ap-southeast-1 (kms.secondary, or the secondary deployment's own key) and that its key policy lets this account use it through RDS.`,
    });
  });

  it('calls any other failure a failed copy, naming the error', () => {
    const long = 'x'.repeat(600);
    expect(copyFailureAlert(policy, s1, KEY, named('InvalidDBSnapshotStateFault', long), NOW)).toEqual({
      severity: 'critical',
      kind: 'copy-failed',
      resource: 'app-db',
      region: 'ap-southeast-1',
      summary: 'copy of backup-dr-app-db-20261123-0200 to ap-southeast-1 failed: InvalidDBSnapshotStateFault',
      action: 'Read the copy-db-snapshots logs; the next run retries.',
      source: 'copy-db-snapshots',
      at: NOW,
      details: details('InvalidDBSnapshotStateFault', 'x'.repeat(500)),
    });
  });

  it('reports what it knows of a snapshot without tags, id or ARN, and of a failure that is not an Error', () => {
    const alert = copyFailureAlert(policy, {}, KEY, 'boom', NOW);
    expect(alert).toMatchObject({ resource: 'unknown', summary: 'copy of  to ap-southeast-1 failed: string', details: { snapshot: '', error: 'string', message: 'boom' } });
    // Nothing was thrown at all: no error details to give.
    expect(copyFailureAlert(policy, s1, KEY, undefined, NOW).details).toEqual({ snapshot: s1.DBSnapshotArn });
  });
});

describe('backupFigures: how long a snapshot took, and its size', () => {
  const GIB = 1024 ** 3;
  const created = (id: string, iso: string) => ({ snapshotId: id, at: Date.parse(iso) });

  it('times the snapshot the "snapshot created" event names from the CreateDBSnapshot operation to the event, with its allocated storage in bytes', () => {
    // s3 was requested at 02:00; RDS says it was created at 02:25.
    expect(backupFigures(policy, [s1, s2, s3], created(s3.DBSnapshotIdentifier!, '2026-11-25T02:25:00+09:00'), NOW)).toEqual([
      { resource: 'app-db', snapshotId: s3.DBSnapshotIdentifier, state: 'completed', durationMs: 25 * 60_000, sizeBytes: 100 * GIB },
    ]);
  });

  it('times a snapshot still being created from its request (our created-at tag: RDS reports no time yet) to now, on every run', () => {
    const creating = primarySnapshot('backup-dr-app-db-20261125-0300', '2026-11-25T03:00:00+09:00', { Status: 'creating', SnapshotCreateTime: undefined, OriginalSnapshotCreateTime: undefined }, scheduledTags('app-db', '2026-11-25T03:00:00+09:00'));
    expect(backupFigures(policy, [s1, creating], null, NOW)).toEqual([{ resource: 'app-db', snapshotId: creating.DBSnapshotIdentifier, state: 'creating', durationMs: 3 * 3_600_000, sizeBytes: null }]);
  });

  it('neither copies nor times a replaced instance\'s final snapshot (tier final): it is no scheduled backup', () => {
    const creating = finalSnapshot('bdr-rec-app-db-202611200300', '2026-11-25T02:30:00+09:00', undefined, { Status: 'creating', SnapshotCreateTime: undefined, OriginalSnapshotCreateTime: undefined });
    const done = finalSnapshot('bdr-rec-app-db-202611190300', '2026-11-24T12:00:00+09:00');
    expect(backupFigures(policy, [s1, creating, done], { snapshotId: done.DBSnapshotIdentifier!, at: Date.parse('2026-11-24T12:20:00+09:00') }, NOW)).toEqual([]);
    expect(planCopies(policy, [done, s1], []).pending.map((s) => s.DBSnapshotIdentifier)).toEqual([s1.DBSnapshotIdentifier]);
  });

  it('measures nothing on a scheduled run for finished snapshots (when they finished is unknown), nor for copies, other databases or snapshots without a time', () => {
    const other = primarySnapshot('backup-dr-other-db-20261125-0200', '2026-11-25T02:00:00+09:00', { Status: 'creating' }, ourTags('other-db'));
    const copy = { ...copyOf(s1, '2026-11-25T03:00:00+09:00'), Status: 'creating' };
    const timeless = primarySnapshot('backup-dr-app-db-20261125-0400', '2026-11-25T04:00:00+09:00', { Status: 'creating', SnapshotCreateTime: undefined, OriginalSnapshotCreateTime: undefined });
    expect(backupFigures(policy, [s1, s2, s3, other, copy, timeless], null, NOW)).toEqual([]);
    // An event about a snapshot that is not available (deleted since) measures nothing either.
    expect(backupFigures(policy, [{ ...s3, Status: 'deleting' }], created(s3.DBSnapshotIdentifier!, '2026-11-25T02:25:00+09:00'), NOW)).toEqual([]);
  });
});
